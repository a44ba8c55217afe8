//! `cargo run -p loadcheck --release -- --requests 100000 --connections 64 [--workers 2]
//! [--warmup 10000]`: the load and fault test of the demo (see the library's docs). The last
//! line is `requests N, misclassified M, rss_growth_kib K`; the exit status is non-zero when a
//! response was misclassified or memory grew by more than
//! `loadcheck::RSS_GROWTH_BOUND_KIB`.

use std::process::ExitCode;

use loadcheck::{Options, RSS_GROWTH_BOUND_KIB, Report};

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("loadcheck: {message}");
            eprintln!(
                "usage: loadcheck [--requests N] [--connections N] [--workers N] [--warmup N]"
            );
            return ExitCode::from(2);
        }
    };
    println!(
        "loadcheck: demo on 127.0.0.1, {} workers; {} warm-up and {} measured requests over {} \
         keep-alive connections; fault timeout {:?}",
        options.workers,
        options.warmup,
        options.requests,
        options.connections,
        options.fault_timeout
    );
    let report = match loadcheck::run(&options) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("loadcheck: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_details(&report);
    println!("{report}");
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_details(report: &Report) {
    let seconds = report.elapsed.as_secs_f64();
    println!(
        "measured phase: {} requests in {seconds:.1} s ({:.0}/s); warm-up: {} requests, {} \
         misclassified",
        report.requests,
        report.requests as f64 / seconds.max(1e-9),
        report.warmup_requests,
        report.warmup_misclassified,
    );
    let statuses: Vec<String> = report
        .statuses
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    println!("statuses: {}", statuses.join(", "));
    println!(
        "handlers: POST /counter granted {} ran {}; POST /articles granted {} ran {}; injected \
         panics answered 500: {}",
        report.increments.0,
        report.increments.1,
        report.articles.0,
        report.articles.1,
        report.injected_panics
    );
    println!(
        "VmRSS: {} KiB after the warm-up, {} KiB after the measured phase (bound: +{} KiB)",
        report.rss_kib.0, report.rss_kib.1, RSS_GROWTH_BOUND_KIB
    );
    for failure in &report.failures {
        println!("failure: {failure}");
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    while let Some(flag) = args.next() {
        let mut value = || -> Result<usize, String> {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{flag}: not a count: {value}"))
        };
        match flag.as_str() {
            "--requests" => options.requests = value()?,
            "--connections" => options.connections = value()?.max(1),
            "--workers" => options.workers = value()?.max(1),
            "--warmup" => options.warmup = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}
