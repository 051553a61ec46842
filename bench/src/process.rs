//! A function's process, and what the kernel knows about it: CPU time at
//! nanosecond resolution and peak resident memory.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::BenchError;
use crate::cgroup::Cgroup;

/// A process whose CPU time can be read while it runs.
pub struct Measured {
    pid: libc::pid_t,
    clock: libc::clockid_t,
}

impl Measured {
    /// Opens the CPU clock of `pid`: all its threads, the exited ones too.
    pub fn new(pid: u32) -> Result<Self, BenchError> {
        let pid = libc::pid_t::try_from(pid)
            .map_err(|_| BenchError::new(format!("pid {pid} out of range")))?;
        let mut clock: libc::clockid_t = 0;
        // SAFETY: `clock` is a valid out-pointer for the duration of the call.
        let status = unsafe { libc::clock_getcpuclockid(pid, &mut clock) };
        if status != 0 {
            return Err(BenchError::new(format!(
                "no CPU clock for pid {pid}: {}",
                std::io::Error::from_raw_os_error(status)
            )));
        }
        Ok(Self { pid, clock })
    }

    /// CPU time used so far, user and system.
    pub fn cpu_time(&self) -> Result<Duration, BenchError> {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid out-pointer for the duration of the call.
        if unsafe { libc::clock_gettime(self.clock, &mut now) } != 0 {
            return Err(BenchError::new(format!(
                "reading the CPU clock of pid {}: {}",
                self.pid,
                std::io::Error::last_os_error()
            )));
        }
        let secs = u64::try_from(now.tv_sec).unwrap_or(0);
        let nanos = u32::try_from(now.tv_nsec).unwrap_or(0);
        Ok(Duration::new(secs, nanos))
    }

    /// `VmHWM`: the most resident memory the process has had, in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64, BenchError> {
        let path = format!("/proc/{}/status", self.pid);
        let status = std::fs::read_to_string(&path)
            .map_err(|error| BenchError::new(format!("{path}: {error}")))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| BenchError::new(format!("{path} has no VmHWM line")))
    }
}

/// A function binary running with its output in a log file. Killed on drop.
pub struct FunctionProcess {
    child: Child,
    pub measured: Measured,
}

impl FunctionProcess {
    /// Starts `binary` with `env`, its output to `log`, inside `cgroup`
    /// when given (from before its first instruction).
    pub fn spawn(
        binary: &Path,
        env: &[(String, String)],
        log: &Path,
        cgroup: Option<&Cgroup>,
    ) -> Result<Self, BenchError> {
        let log_file =
            File::create(log).map_err(|error| BenchError::new(format!("{log:?}: {error}")))?;
        let log_err = log_file
            .try_clone()
            .map_err(|error| BenchError::new(format!("{log:?}: {error}")))?;
        let mut command = Command::new(binary);
        // The caller's log level must not change what is measured.
        command
            .env_remove("RUST_LOG")
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err);
        if let Some(cgroup) = cgroup {
            // SAFETY: the hook makes only async-signal-safe calls.
            unsafe { command.pre_exec(cgroup.joiner()) };
        }
        let child = command
            .spawn()
            .map_err(|error| BenchError::new(format!("starting {binary:?}: {error}")))?;
        let measured = Measured::new(child.id())?;
        Ok(Self { child, measured })
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
