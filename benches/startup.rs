//! Start-up time to the first answered request, and idle memory.
//!
//! `cargo bench --bench startup` starts the release binary 20 times with
//! the default fixtures, polls `GET /_mock/health` over raw TCP until it is
//! answered, and reports the time from spawn to that answer; then it reads
//! the idle resident memory (VmRSS) of a running emulator.
//! Budget (DESIGN.md): at most 5 ms to the first answer, at most 10 MiB idle.

// A failing unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use common::{free_port, rss_kib};

/// Start-ups measured (2 in a smoke run).
fn runs() -> usize {
    if common::smoke() { 2 } else { 20 }
}

fn health_answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let request = "GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    stream.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200")
}

fn spawn(port: u16) -> Child {
    common::spawn(port, &[])
}

fn time_to_first_answer() -> Duration {
    let port = free_port();
    let started = Instant::now();
    let mut child = spawn(port);
    while !health_answers(port) {
        assert!(started.elapsed() < Duration::from_secs(10), "no answer within 10 s");
    }
    let elapsed = started.elapsed();
    child.kill().unwrap();
    child.wait().unwrap();
    elapsed
}

fn idle_rss_kib() -> u64 {
    let port = free_port();
    let mut child = spawn(port);
    while !health_answers(port) {}
    std::thread::sleep(Duration::from_millis(200));
    let rss = rss_kib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    rss
}

fn main() {
    let runs = runs();
    let mut times: Vec<Duration> = (0..runs).map(|_| time_to_first_answer()).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "start-up to first answered request over {runs} runs: min {:.2} ms, median {:.2} ms, max {:.2} ms",
        ms(times[0]),
        ms(times[runs / 2]),
        ms(times[runs - 1])
    );
    let rss = idle_rss_kib();
    println!("idle resident memory: {rss} KiB ({:.1} MiB)", rss as f64 / 1024.0);
}
