//! The service reads scans behind its web pages: its intake workers run at a lower CPU priority than the
//! web server's threads, so a burst of hundreds of faxes in the inbox takes every core the site leaves idle and
//! the site still answers at once (issue 17). The command line's `blankett intake` runs at normal priority.

/// How much lower: nice 10 weighs about a tenth of a normal thread in Linux's scheduler.
const NICE: i32 = 10;

/// Lowers the priority of the calling thread only (Linux gives every thread its own nice value). Best effort:
/// a system that refuses leaves the thread as it was.
#[cfg(target_os = "linux")]
pub fn lower_this_thread() {
    // SAFETY: gettid and setpriority take plain integers and touch no memory of ours.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_this_thread() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn only_the_calling_thread_is_lowered() {
        let nice = || {
            std::fs::read_to_string("/proc/thread-self/stat")
                .ok()
                .and_then(|s| {
                    // Field 19 is the nice value; fields after the command name (in parentheses) are space-separated.
                    let rest = s.rsplit_once(')')?.1;
                    rest.split_whitespace().nth(16)?.parse::<i32>().ok()
                })
        };
        let before = nice();
        let lowered = std::thread::spawn(move || {
            super::lower_this_thread();
            nice()
        })
        .join()
        .unwrap();
        assert_eq!(nice(), before, "this thread unchanged");
        if let (Some(b), Some(l)) = (before, lowered) {
            assert!(l > b || b >= super::NICE, "{b} -> {l}");
        }
    }
}
