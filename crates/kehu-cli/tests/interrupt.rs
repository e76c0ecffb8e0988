//! Ctrl-C during a long `kehu` run (issue 15): the running core call stops at its next check and
//! the CLI exits with 130 and the `CANCELLED` code, instead of running on or dying mid-write.

#![cfg(unix)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn ctrl_c_stops_a_long_segmentation_with_cancelled() {
    let dir = std::env::temp_dir().join(format!("kehu-cli-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 30,000 customers, spread out enough that a sweep of k over 2..400 takes minutes.
    let mut csv = String::from("customer_id,timestamp,amount\n");
    for c in 0..30_000u64 {
        for k in 0..(1 + c % 4) {
            let day = 1 + (c * 7919 + k * 104_729) % 360;
            csv.push_str(&format!(
                "c{c},2024-{:02}-{:02},{}\n",
                1 + (day / 30).min(11),
                1 + day % 28,
                1 + (c * 31 + k * 17) % 997
            ));
        }
    }
    let input = dir.join("tx.csv");
    std::fs::write(&input, csv).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(["segment", "--input"])
        .arg(&input)
        .args(["--customer-col", "customer_id", "--date-col", "timestamp"])
        .args(["--amount-col", "amount", "--clusters", "2..400", "--output"])
        .arg(dir.join("out.csv"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    if let Some(status) = child.try_wait().unwrap() {
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("the run ended ({status}) before it was interrupted: {stderr}");
    }
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // Bounded wait: a run that ignores the interrupt is killed after a minute and fails.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("Ctrl-C was ignored for a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("error [CANCELLED]"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
