//! Raw argon2id verifications per second at Gatehouse's configured parameters,
//! on every core: the ceiling for password logins (bench/ compares the two).
//!
//! `cargo run --release --example argon2_rate -- [seconds] [threads]`

use gatehouse::config::{PasswordConfig, SecretString};
use gatehouse::identity::password::PasswordHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

// The server's allocator, so that the ceiling is measured under the same
// conditions as the logins it is compared with (glibc maps and unmaps each
// 19 MiB argon2 block array, paying page faults that mimalloc avoids).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let threads: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let config = PasswordConfig::default();
    let hasher = match PasswordHasher::new(&config) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let password = SecretString::new("correct horse battery staple");
    let phc = hasher.hash(&password).unwrap_or_default();
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (hasher, phc, count, stop) =
                (hasher.clone(), phc.clone(), count.clone(), stop.clone());
            let password = SecretString::new("correct horse battery staple");
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = hasher.verify(&password, &phc);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let n = count.load(Ordering::Relaxed) as f64;
    println!(
        "argon2id m={} t={} p={}: {:.1} verifications/s on {threads} threads",
        config.memory_kib,
        config.iterations,
        config.parallelism,
        n / started.elapsed().as_secs_f64()
    );
}
