//! The server's host key: generated on first start and kept, so clients see the same key every time.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey};

/// `ssh_host_ed25519_key` under the user's state directory (`~/.local/state/georep/`), else under the
/// local data directory.
pub fn default_path() -> Option<PathBuf> {
    dirs::state_dir().or_else(dirs::data_local_dir).map(|d| d.join("georep").join("ssh_host_ed25519_key"))
}

/// A new Ed25519 key (host keys, and client keys in tests).
pub fn generate() -> io::Result<PrivateKey> {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .map_err(|e| io::Error::other(format!("cannot make a host key: {e}")))
}

/// The key in `path`, or a new one written there (mode 0600, directories created) when there is none.
/// Says which, for the start-up message.
pub fn load_or_create(path: &Path) -> io::Result<(PrivateKey, bool)> {
    match std::fs::read_to_string(path) {
        Ok(pem) => {
            let key = PrivateKey::from_openssh(pem.trim())
                .map_err(|e| invalid(format!("{} is not an OpenSSH private key: {e}", path.display())))?;
            if key.is_encrypted() {
                return Err(invalid(format!(
                    "{} is encrypted; the host key must not need a passphrase",
                    path.display()
                )));
            }
            Ok((key, false))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = generate()?;
            write_private_key(&key, path)?;
            Ok((key, true))
        }
        Err(e) => Err(io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))),
    }
}

/// Writes `key` in OpenSSH format to `path`, readable by the owner only, atomically (a temporary file
/// renamed over it), creating the parent directories.
pub fn write_private_key(key: &PrivateKey, path: &Path) -> io::Result<()> {
    let pem = key.to_openssh(LineEnding::LF).map_err(|e| invalid(format!("cannot encode the key: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))
}

/// `SHA256:...`, as `ssh-keygen -lf` and OpenSSH's first-connection prompt show it.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_kept() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("state").join("georep").join("ssh_host_ed25519_key");
        let (first, created) = load_or_create(&path).expect("a new key");
        assert!(created);
        let (again, created) = load_or_create(&path).expect("the same key");
        assert!(!created);
        assert_eq!(first.public_key(), again.public_key());
        assert_eq!(fingerprint(&first), fingerprint(&again));
        assert!(fingerprint(&first).starts_with("SHA256:"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing else is left in the directory (no temporary file).
        assert_eq!(std::fs::read_dir(path.parent().expect("a parent")).expect("a directory").count(), 1);
    }

    #[test]
    fn a_corrupt_key_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("key");
        std::fs::write(&path, "not a key").expect("written");
        let err = load_or_create(&path).expect_err("not a key");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "not a key");
    }
}
