//! Who gets in: the public keys of an `authorized_keys` file, and the demo password when one is set.
//! Nothing else (no `none`, no keyboard-interactive, no host-based, no certificates).

use std::io;
use std::path::{Path, PathBuf};

use russh::keys::PublicKey;
use russh::keys::ssh_key::authorized_keys::Entry;

/// The authorized keys, read again from the file at each attempt (as sshd does), so keys can be added
/// or removed while the server runs.
#[derive(Clone, Debug)]
pub struct AuthorizedKeys {
    path: Option<PathBuf>,
}

impl AuthorizedKeys {
    /// `path` is `None` when the server takes no keys (only the demo password).
    pub fn new(path: Option<PathBuf>) -> Self {
        AuthorizedKeys { path }
    }

    /// `~/.ssh/authorized_keys`.
    pub fn default_path() -> Option<PathBuf> {
        dirs::home_dir().map(|h| h.join(".ssh").join("authorized_keys"))
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The keys in the file now, and how many of its lines could not be read as keys.
    pub fn load(&self) -> io::Result<(Vec<PublicKey>, usize)> {
        let Some(path) = &self.path else { return Ok((Vec::new(), 0)) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
        Ok(parse(&text))
    }

    /// Whether `key` is in the file (compared by key material; comments and options do not matter).
    pub fn allows(&self, key: &PublicKey) -> bool {
        match self.load() {
            Ok((keys, _)) => keys.iter().any(|k| k.key_data() == key.key_data()),
            Err(e) => {
                tracing::warn!("authorized keys: {e}");
                false
            }
        }
    }
}

/// The keys of an `authorized_keys` text, and the number of lines that are not keys. Options before a
/// key (`no-pty,from="..." ssh-ed25519 AAAA...`) are allowed and ignored: every key here gets the same
/// console.
pub fn parse(text: &str) -> (Vec<PublicKey>, usize) {
    let mut keys = Vec::new();
    let mut bad = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        match line.parse::<Entry>().map(|e| e.public_key().clone()).or_else(|_| after_options(line)) {
            Ok(key) => keys.push(key),
            Err(_) => bad += 1,
        }
    }
    (keys, bad)
}

/// The key of a line with options and no comment, which `Entry` cannot tell from a key with a comment:
/// the key starts at its algorithm's name.
fn after_options(line: &str) -> Result<PublicKey, russh::keys::ssh_key::Error> {
    let mut starts: Vec<usize> = [" ssh-", " ecdsa-sha2-", " sk-ssh-", " sk-ecdsa-"]
        .iter()
        .flat_map(|alg| line.match_indices(alg).map(|(i, _)| i))
        .collect();
    starts.sort_unstable();
    // The options may name an algorithm too (command="ssh-add ..."): the first place that parses.
    starts
        .into_iter()
        .find_map(|i| PublicKey::from_openssh(line[i..].trim()).ok())
        .ok_or(russh::keys::ssh_key::Error::FormatEncoding)
}

/// The demo password, compared in time independent of where the first difference is.
#[derive(Clone)]
pub struct DemoPassword(String);

impl DemoPassword {
    pub fn new(password: String) -> Self {
        DemoPassword(password)
    }

    pub fn matches(&self, attempt: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), attempt.as_bytes());
        let mut diff = a.len() ^ b.len();
        for (i, x) in a.iter().enumerate() {
            diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
        }
        diff == 0
    }
}

impl std::fmt::Debug for DemoPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DemoPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_comments_and_bad_lines() {
        let a = super::super::host_key::generate();
        let b = super::super::host_key::generate();
        let text = format!(
            "# a comment\n\n{}\nno-pty,command=\"ssh-add -l\" {}\nnot a key at all\n  {} with a comment  \n",
            a.public_key().to_openssh().expect("openssh"),
            b.public_key().to_openssh().expect("openssh"),
            a.public_key().to_openssh().expect("openssh")
        );
        let (keys, bad) = parse(&text);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[1].key_data(), b.public_key().key_data());
        assert_eq!(bad, 1);
        assert_eq!(keys[0].key_data(), a.public_key().key_data());
    }

    #[test]
    fn file_is_read_at_each_attempt() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("authorized_keys");
        let key = super::super::host_key::generate();
        let auth = AuthorizedKeys::new(Some(path.clone()));
        assert!(!auth.allows(key.public_key()), "no file: nobody");
        std::fs::write(&path, key.public_key().to_openssh().expect("openssh")).expect("written");
        assert!(auth.allows(key.public_key()));
        assert!(!auth.allows(super::super::host_key::generate().public_key()));
        std::fs::write(&path, "").expect("emptied");
        assert!(!auth.allows(key.public_key()));
    }

    #[test]
    fn demo_password() {
        let p = DemoPassword::new("open sesame".into());
        assert!(p.matches("open sesame"));
        assert!(!p.matches("open sesam"));
        assert!(!p.matches("open sesame!"));
        assert!(!p.matches(""));
        assert!(!DemoPassword::new(String::new()).matches("x"));
        assert!(format!("{p:?}").contains("***"));
    }
}
