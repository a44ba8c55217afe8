// A requirement written by hand for `Require` gets the attributes' checks: in a constant, at
// compile time.
use actix_authz::{Require, Requirement};

const EDITORS: Requirement = Requirement::Scope("articles:read articles:write");
const REQUIRE_EDITORS: Require = Require::new(&EDITORS);

fn main() {
    let _ = REQUIRE_EDITORS.requirement();
}
