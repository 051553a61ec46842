//! The local stack's signing keys hold a private key: the file that keeps
//! them across restarts is its owner's alone (review 2, L4: it used to be
//! written readable by all), and an older file left readable is tightened.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use sessionless_tests::repo_root;

/// Runs `scripts/local-signing-keys` for `dir`; the key file's mode bits.
fn keep_keys_in(dir: &Path) -> u32 {
    let status = Command::new(repo_root().join("scripts/local-signing-keys"))
        .arg(dir)
        .status()
        .expect("scripts/local-signing-keys runs");
    assert!(status.success());
    let file = dir.join("signing-keys.json");
    let text = std::fs::read_to_string(&file).expect("the key file");
    assert!(text.contains("PRIVATE KEY"), "a private key is kept");
    std::fs::metadata(&file)
        .expect("the key file")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_key_file_is_readable_by_its_owner_alone() {
    let dir = std::env::temp_dir().join(format!("sessionless-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(keep_keys_in(&dir), 0o600, "a new key file");

    let file = dir.join("signing-keys.json");
    let before = std::fs::read_to_string(&file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        keep_keys_in(&dir),
        0o600,
        "a file an older version left open"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "the key is kept"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
