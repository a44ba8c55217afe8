//! Weak HMAC secrets: an empty one cannot be configured (unit tests in the runtime), and one
//! shorter than RFC 7518 §3.2 requires is named in a warning that never holds it. Alone in its
//! test binary: a test running beside it without the capturing subscriber could make tracing
//! skip its callsites.

use actix_authz::JwtAuthenticator;
use authz_tests::logs::Capture;
use jsonwebtoken::{Algorithm, DecodingKey};

#[test]
fn a_short_secret_is_named_in_a_warning_that_does_not_hold_it() {
    let short = b"short-secret-xyz";
    let (for_hs512, enough, enough_for_both) = ([b'k'; 48], [b'q'; 32], [b'r'; 64]);
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        let _ = JwtAuthenticator::hs256(short);
        JwtAuthenticator::new(DecodingKey::from_secret(&for_hs512), &[Algorithm::HS512])
            .expect("a secret of 48 bytes");
        let _ = JwtAuthenticator::hs256(&enough);
        JwtAuthenticator::new(
            DecodingKey::from_secret(&enough_for_both),
            &[Algorithm::HS256, Algorithm::HS512],
        )
        .expect("a secret of 64 bytes");
    });
    let text = capture.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("WARN")).collect();
    assert_eq!(warnings.len(), 2, "one warning per short secret:\n{text}");
    for (warning, bytes, required) in [(warnings[0], 16, 32), (warnings[1], 48, 64)] {
        assert!(warning.contains(&format!(" bytes={bytes} ")), "{warning}");
        assert!(
            warning.contains(&format!(" required={required}")),
            "{warning}"
        );
        assert!(warning.contains("RFC 7518"), "{warning}");
    }
    for secret in [&short[..], &for_hs512, &enough, &enough_for_both] {
        let secret = std::str::from_utf8(&secret[..8]).expect("ASCII");
        assert!(!text.contains(secret), "the log holds a secret:\n{text}");
    }
}
