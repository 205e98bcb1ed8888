//! A spinner on stderr while Argon2id runs (a second or so), drawn only when stderr is a
//! terminal so scripts and logs never see it.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// Runs `work`, showing `label` and a spinner on a terminal meanwhile.
pub fn while_running<T>(label: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let label = label.to_owned();
    let drawer = std::thread::spawn(move || {
        for frame in FRAMES.iter().cycle() {
            if flag.load(Ordering::Relaxed) {
                break;
            }
            let _ = write!(std::io::stderr(), "\r{frame} {label}");
            std::thread::sleep(Duration::from_millis(100));
        }
        // Clear the line so the command's own output starts clean.
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    });
    let result = work();
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    result
}
