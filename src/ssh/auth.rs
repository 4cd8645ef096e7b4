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

    /// The keys in the file now, and how many of its lines could not be read as keys. Read off the
    /// async runtime's threads (`tokio::fs`): a slow disk or a FIFO stalls this sign-in, not the server.
    pub async fn load(&self) -> io::Result<(Vec<PublicKey>, usize)> {
        let Some(path) = &self.path else { return Ok((Vec::new(), 0)) };
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
        Ok(parse(&text))
    }

    /// Whether `key` is in the file (compared by key material; comments and options do not matter).
    pub async fn allows(&self, key: &PublicKey) -> bool {
        match self.load().await {
            Ok((keys, _)) => keys.iter().any(|k| k.key_data() == key.key_data()),
            Err(e) => {
                tracing::warn!("authorized keys: {e}");
                false
            }
        }
    }
}

/// Options that only take something away which the console never offers (forwarding, rc files): a
/// key with only these gets the console. Any other option (`command=`, `restrict`, `no-pty`, `from=`,
/// `cert-authority`, ...) limits the key in a way georep does not enforce, so such a key is refused
/// rather than given more than its owner meant.
const HARMLESS_OPTIONS: [&str; 4] = ["no-agent-forwarding", "no-port-forwarding", "no-x11-forwarding", "no-user-rc"];

/// The keys of an `authorized_keys` text, and the number of lines skipped: lines that are not keys, and
/// keys whose options restrict them (see [`HARMLESS_OPTIONS`]).
pub fn parse(text: &str) -> (Vec<PublicKey>, usize) {
    let mut keys = Vec::new();
    let mut skipped = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        match line.parse::<Entry>().map(|e| e.public_key().clone()).or_else(|_| after_options(line)) {
            Ok(key) => match restriction(line, &key) {
                None => keys.push(key),
                Some(option) => {
                    tracing::warn!(option, "authorized keys: a key with this option is not let in to the console");
                    skipped += 1;
                }
            },
            Err(_) => skipped += 1,
        }
    }
    (keys, skipped)
}

/// The first option before `key` on its line that is not harmless, if any.
fn restriction(line: &str, key: &PublicKey) -> Option<String> {
    let openssh = key.to_openssh().ok()?;
    let base64 = openssh.split_whitespace().nth(1)?;
    let at = line.find(base64)?;
    let before_key = line[..at].trim_end();
    // Drop the algorithm name: what is left are the options.
    let options = before_key.rsplit_once(char::is_whitespace).map(|(o, _)| o.trim()).unwrap_or("");
    options
        .split(',')
        .map(|o| o.split('=').next().unwrap_or("").trim().to_ascii_lowercase())
        .find(|name| !name.is_empty() && !HARMLESS_OPTIONS.contains(&name.as_str()))
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
        let a = super::super::host_key::generate().unwrap();
        let b = super::super::host_key::generate().unwrap();
        let text = format!(
            "# a comment\n\n{}\nno-port-forwarding,no-agent-forwarding {}\nnot a key at all\n  {} with a comment  \n",
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
    fn restricted_keys_are_refused() {
        let key = super::super::host_key::generate().unwrap();
        let openssh = key.public_key().to_openssh().expect("openssh");
        for options in [
            "command=\"ssh-add -l\"",
            "no-pty",
            "restrict",
            "from=\"10.0.0.1\"",
            "cert-authority",
            "no-port-forwarding,command=\"backup\"",
        ] {
            let (keys, skipped) = parse(&format!("{options} {openssh} backup key"));
            assert!(keys.is_empty(), "{options}: let in");
            assert_eq!(skipped, 1, "{options}");
        }
        let (keys, _) = parse(&format!("no-x11-forwarding,no-user-rc {openssh}"));
        assert_eq!(keys.len(), 1, "harmless options keep the key");
    }

    #[tokio::test]
    async fn file_is_read_at_each_attempt() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("authorized_keys");
        let key = super::super::host_key::generate().unwrap();
        let auth = AuthorizedKeys::new(Some(path.clone()));
        assert!(!auth.allows(key.public_key()).await, "no file: nobody");
        std::fs::write(&path, key.public_key().to_openssh().expect("openssh")).expect("written");
        assert!(auth.allows(key.public_key()).await);
        assert!(!auth.allows(super::super::host_key::generate().unwrap().public_key()).await);
        std::fs::write(&path, "").expect("emptied");
        assert!(!auth.allows(key.public_key()).await);
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
