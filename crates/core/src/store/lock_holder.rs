//! Who holds a workspace's write lock, so that "the workspace is busy" can name the program
//! (typically `switchboard-cli import` or `sync`) instead of leaving the manager to guess.
//!
//! In WAL mode SQLite takes its write lock as a POSIX lock on one byte of the `-shm` file
//! (byte 120: the first of its eight lock bytes). Linux lists every such lock, with the owning
//! process, in `/proc/locks`; the process's command line then says what it is. Elsewhere, or
//! when the lock cannot be attributed (another mount namespace, the lock just released), the
//! answer is `None` and callers say "another program".

use std::path::Path;

/// The byte of the `-shm` file that SQLite's WAL write lock covers.
#[cfg(target_os = "linux")]
const WAL_WRITE_LOCK_BYTE: u64 = 120;

/// The program holding the write lock of the workspace at `db`, e.g.
/// `"switchboard-cli import (process 4242)"`.
pub(crate) fn writer(db: &Path) -> Option<String> {
    let pid = writer_pid(db)?;
    Some(describe(pid))
}

#[cfg(target_os = "linux")]
fn writer_pid(db: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let mut shm = db.as_os_str().to_owned();
    shm.push("-shm");
    let meta = std::fs::metadata(shm).ok()?;
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks
        .lines()
        .find_map(|line| write_lock_owner(line, meta.dev(), meta.ino()))
}

#[cfg(not(target_os = "linux"))]
fn writer_pid(_db: &Path) -> Option<u32> {
    None
}

/// The owner of a line of `/proc/locks` if it is a granted POSIX write lock covering the WAL
/// write-lock byte of the file `(dev, ino)`. A line reads
/// `1: POSIX  ADVISORY  WRITE 4242 fe:00:10011972 120 120` (device numbers in hex); lines of
/// waiters carry `->` after the number and are skipped.
#[cfg(target_os = "linux")]
fn write_lock_owner(line: &str, dev: u64, ino: u64) -> Option<u32> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [_, kind, _, access, pid, file, start, end] = fields.as_slice() else {
        return None;
    };
    if *kind != "POSIX" || *access != "WRITE" {
        return None;
    }
    let mut parts = file.split(':');
    let major = u64::from_str_radix(parts.next()?, 16).ok()?;
    let minor = u64::from_str_radix(parts.next()?, 16).ok()?;
    let inode: u64 = parts.next()?.parse().ok()?;
    // glibc's encoding of a device number (`gnu_dev_major`, `gnu_dev_minor`).
    let (dev_major, dev_minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    );
    if (major, minor, inode) != (dev_major, dev_minor, ino) {
        return None;
    }
    let start: u64 = start.parse().ok()?;
    let covers = match *end {
        "EOF" => start <= WAL_WRITE_LOCK_BYTE,
        end => (start..=end.parse().ok()?).contains(&WAL_WRITE_LOCK_BYTE),
    };
    covers.then(|| pid.parse().ok()).flatten()
}

/// `"switchboard-cli import (process 4242)"`: the program's file name and its first argument
/// when that is a plain word (a subcommand); never further arguments, which may name files or
/// accounts.
fn describe(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let mut args = cmdline
        .split(|b| *b == 0)
        .map(String::from_utf8_lossy)
        .filter(|a| !a.is_empty());
    let program = args
        .next()
        .map(|p| {
            Path::new(p.as_ref())
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.into_owned())
        })
        .unwrap_or_else(|| "a program".to_owned());
    let subcommand = args
        .next()
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .filter(|a| !a.starts_with('-'))
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    format!("{program}{subcommand} (process {pid})")
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_a_granted_write_lock_on_the_write_byte_of_the_file_counts() {
        // fe:00 is device 254:0, which glibc encodes as 0xfe00.
        let (dev, ino) = (0xfe00, 10011972);
        let owner = |line| write_lock_owner(line, dev, ino);
        assert_eq!(
            owner("1: POSIX  ADVISORY  WRITE 4242 fe:00:10011972 120 120"),
            Some(4242)
        );
        assert_eq!(
            owner("1: POSIX  ADVISORY  WRITE 4242 fe:00:10011972 0 EOF"),
            Some(4242)
        );
        for other in [
            "2: POSIX  ADVISORY  READ 4242 fe:00:10011972 120 120",
            "3: POSIX  ADVISORY  WRITE 4242 fe:00:10011972 123 123",
            "4: POSIX  ADVISORY  WRITE 4242 fe:00:10011973 120 120",
            "5: POSIX  ADVISORY  WRITE 4242 fe:01:10011972 120 120",
            "6: FLOCK  ADVISORY  WRITE 4242 fe:00:10011972 0 EOF",
            "7: -> POSIX  ADVISORY  WRITE 4243 fe:00:10011972 120 120",
        ] {
            assert_eq!(owner(other), None, "{other}");
        }
    }

    #[test]
    fn a_process_is_described_by_its_program_and_subcommand() {
        let me = describe(std::process::id());
        assert!(
            me.ends_with(&format!("(process {})", std::process::id())),
            "{me}"
        );
        let exe = std::env::current_exe().unwrap();
        let name = exe.file_name().unwrap().to_string_lossy();
        assert!(me.starts_with(name.as_ref()), "{me} does not name {name}");
    }
}
