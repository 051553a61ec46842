//! A function's share of the machine as Lambda gives it: CPU in proportion
//! to its `MemorySize` (one vCPU at 1,769 MB), as a CFS quota over a 20 ms
//! period, and a memory limit of its `MemorySize`, in a cgroup of its own.
//!
//! cgroup v1 (`/sys/fs/cgroup/cpu` and `/sys/fs/cgroup/memory`, with
//! `cpu.cfs_quota_us`, `cpu.cfs_period_us` and `memory.limit_in_bytes`) or
//! v2 (`cpu.max`, `memory.max`), whichever the machine has. Writing either
//! needs root; [`Controllers::find`] says why a machine cannot.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use crate::BenchError;

/// Memory at which Lambda gives a function one full vCPU.
pub const FULL_VCPU_MB: u64 = 1769;
/// Lambda's CFS period.
const PERIOD_US: u64 = 20_000;
/// The smallest quota the kernel takes.
const MIN_QUOTA_US: u64 = 1_000;

/// Where the machine's cgroups are, and how they are written.
#[derive(Debug, Clone)]
pub enum Controllers {
    /// cgroup v1: one hierarchy per controller.
    V1 { cpu: PathBuf, memory: PathBuf },
    /// cgroup v2: one unified hierarchy.
    V2 { root: PathBuf },
}

impl Controllers {
    /// The machine's writable CPU and memory controllers.
    ///
    /// # Errors
    ///
    /// A one-line reason when there are none to write: not root, or no
    /// CPU or memory controller mounted.
    pub fn find() -> Result<Self, String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root, so no cgroup can be written".to_owned());
        }
        let v1_cpu = Path::new("/sys/fs/cgroup/cpu");
        let v1_memory = Path::new("/sys/fs/cgroup/memory");
        if v1_cpu.join("cpu.cfs_quota_us").exists()
            && v1_memory.join("memory.limit_in_bytes").exists()
        {
            return Ok(Self::V1 {
                cpu: v1_cpu.to_owned(),
                memory: v1_memory.to_owned(),
            });
        }
        let root = Path::new("/sys/fs/cgroup");
        let controllers = std::fs::read_to_string(root.join("cgroup.controllers"))
            .map_err(|_| "no cgroup v1 cpu and memory controllers, nor cgroup v2".to_owned())?;
        let has = |name: &str| controllers.split_whitespace().any(|c| c == name);
        if !(has("cpu") && has("memory")) {
            return Err(format!(
                "cgroup v2 without the cpu and memory controllers (it has: {})",
                controllers.trim()
            ));
        }
        std::fs::write(root.join("cgroup.subtree_control"), "+cpu +memory")
            .map_err(|error| format!("cgroup v2: enabling cpu and memory failed: {error}"))?;
        Ok(Self::V2 {
            root: root.to_owned(),
        })
    }

    /// A new cgroup named `name`, limited as a function of `memory_mb`.
    ///
    /// # Errors
    ///
    /// When the cgroup cannot be made or its limits written.
    pub fn create(&self, name: &str, memory_mb: u64) -> Result<Cgroup, BenchError> {
        let quota_us = cpu_quota_us(memory_mb);
        let memory_bytes = memory_mb * 1024 * 1024;
        let dirs = match self {
            Self::V1 { cpu, memory } => vec![cpu.join(name), memory.join(name)],
            Self::V2 { root } => vec![root.join(name)],
        };
        let cgroup = Cgroup {
            procs: Vec::new(),
            dirs,
        };
        for dir in &cgroup.dirs {
            std::fs::create_dir(dir).map_err(|error| failed(dir, &error))?;
        }
        match self {
            Self::V1 { .. } => {
                write(&cgroup.dirs[0].join("cpu.cfs_period_us"), PERIOD_US)?;
                write(&cgroup.dirs[0].join("cpu.cfs_quota_us"), quota_us)?;
                write(&cgroup.dirs[1].join("memory.limit_in_bytes"), memory_bytes)?;
            }
            Self::V2 { .. } => {
                write(
                    &cgroup.dirs[0].join("cpu.max"),
                    format!("{quota_us} {PERIOD_US}"),
                )?;
                write(&cgroup.dirs[0].join("memory.max"), memory_bytes)?;
            }
        }
        let mut cgroup = cgroup;
        cgroup.procs = cgroup
            .dirs
            .iter()
            .map(|dir| {
                CString::new(dir.join("cgroup.procs").as_os_str().as_encoded_bytes())
                    .map_err(|_| BenchError::new(format!("{dir:?}: a NUL in the path")))
            })
            .collect::<Result<_, _>>()?;
        Ok(cgroup)
    }
}

/// The CPU quota per 20 ms period of a function of `memory_mb`: its share
/// of one vCPU, `memory_mb / 1769`, which may be more than one CPU.
pub fn cpu_quota_us(memory_mb: u64) -> u64 {
    (PERIOD_US * memory_mb)
        .div_ceil(FULL_VCPU_MB)
        .max(MIN_QUOTA_US)
}

/// One function's cgroup; removed on drop, once its process is gone.
#[derive(Debug)]
pub struct Cgroup {
    /// The `cgroup.procs` files a process joins it by.
    procs: Vec<CString>,
    dirs: Vec<PathBuf>,
}

impl Cgroup {
    /// What moves a process into this cgroup: for a child between fork
    /// and exec ([`std::os::unix::process::CommandExt::pre_exec`]), so it
    /// runs limited from its first instruction. Only async-signal-safe
    /// calls: writing `0` to `cgroup.procs` moves the writer.
    pub fn joiner(&self) -> impl FnMut() -> std::io::Result<()> + Send + Sync + 'static {
        let procs = self.procs.clone();
        move || {
            for path in &procs {
                // SAFETY: `path` is a valid NUL-terminated string; open,
                // write and close are async-signal-safe.
                let written = unsafe {
                    let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
                    if fd < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                    written
                };
                if written != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn write(path: &Path, value: impl ToString) -> Result<(), BenchError> {
    std::fs::write(path, value.to_string()).map_err(|error| failed(path, &error))
}

fn failed(path: &Path, error: &std::io::Error) -> BenchError {
    BenchError::new(format!("cgroup {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_the_memorys_share_of_one_vcpu_per_20_ms() {
        // 128 MB: 7.2% of a vCPU, 1.45 ms of every 20.
        assert_eq!(cpu_quota_us(128), 1_448);
        assert_eq!(cpu_quota_us(1769), 20_000);
        // Above 1,769 MB a function may use more than one CPU.
        assert_eq!(cpu_quota_us(3008), 34_008);
        // Below the kernel's smallest quota, the smallest.
        assert_eq!(cpu_quota_us(64), 1_000);
    }
}
