//! The `[tls]` files read into a rustls server configuration: the PEM certificate chain and
//! private key, checked against each other.
//!
//! rustls on the `ring` provider, TLS 1.2 and 1.3 with rustls's safe defaults, ALPN
//! `http/1.1` (the API is served over HTTP/1.1). Errors name the file and what is wrong with
//! it, never its contents: a key file's bytes stay out of messages and logs.

use crate::config::TlsSection;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the `[tls]` files cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("[tls] cert {}: cannot read it: {source}", .path.display())]
    ReadCert {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("[tls] cert {}: {reason}", .path.display())]
    Cert { path: PathBuf, reason: String },
    #[error("[tls] key {}: cannot read it: {source}", .path.display())]
    ReadKey {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("[tls] key {}: {reason}", .path.display())]
    Key { path: PathBuf, reason: String },
    #[error("[tls] key {} is not the key of the certificate {}", .key.display(), .cert.display())]
    Mismatch { cert: PathBuf, key: PathBuf },
}

impl TlsError {
    /// True when the problem is the key file's (else the certificate's).
    pub fn is_about_key(&self) -> bool {
        matches!(
            self,
            Self::ReadKey { .. } | Self::Key { .. } | Self::Mismatch { .. }
        )
    }
}

/// Reads both files and builds the server configuration.
pub fn load(files: &TlsSection) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = read_certs(&files.cert)?;
    let key = read_key(&files.key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Cert {
            path: files.cert.clone(),
            reason: format!("no TLS version available: {e}"),
        })?
        .with_no_client_auth();
    // with_single_cert parses the key, the first certificate, and compares their public keys.
    let mut config = builder.with_single_cert(certs, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => TlsError::Mismatch {
            cert: files.cert.clone(),
            key: files.key.clone(),
        },
        rustls::Error::InvalidCertificate(e) => TlsError::Cert {
            path: files.cert.clone(),
            reason: format!("not a usable certificate: {e:?}"),
        },
        rustls::Error::NoCertificatesPresented => TlsError::Cert {
            path: files.cert.clone(),
            reason: "no certificate in it".into(),
        },
        other => TlsError::Key {
            path: files.key.clone(),
            reason: format!("not a usable private key ({other})"),
        },
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadCert {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| TlsError::Cert {
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(bad(
            "no PEM certificate in it (no \"-----BEGIN CERTIFICATE-----\" section)".into(),
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadKey {
        path: path.to_path_buf(),
        source,
    })?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Key {
        path: path.to_path_buf(),
        reason: match e {
            pem::Error::NoItemsFound => "no PEM private key in it (a \"-----BEGIN PRIVATE KEY-----\", \
                 \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" section; encrypted keys are not supported)"
                .into(),
            other => pem_problem(&other),
        },
    })
}

/// What is wrong with a PEM file, in words that quote none of it (the library's own message
/// may quote a line of the file).
fn pem_problem(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { .. } => "bad PEM: a section has no END line".into(),
        pem::Error::IllegalSectionStart { .. } => "bad PEM: a malformed BEGIN line".into(),
        pem::Error::Base64Decode(_) => "bad PEM: a section is not valid base64".into(),
        pem::Error::NoItemsFound => "no PEM section in it".into(),
        pem::Error::SectionTooLarge => "bad PEM: a section is too large".into(),
        pem::Error::Io(e) => format!("cannot read it: {e}"),
        _ => "bad PEM".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const NOT_PEM: &str =
        "-----BEGIN CERTIFICATE-----\nsecret%%%not*base64\n-----END CERTIFICATE-----\n";

    #[test]
    fn errors_name_the_file_and_never_quote_it() {
        let dir = tempfile::tempdir().unwrap();
        let junk = write(dir.path(), "junk.pem", NOT_PEM);
        let empty = write(dir.path(), "empty.pem", "hello\n");
        let missing = dir.path().join("missing.pem");
        let files = |cert: &Path, key: &Path| TlsSection {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        };
        for (f, about_key, needle) in [
            (files(&missing, &junk), false, "cannot read it"),
            (files(&junk, &junk), false, "base64"),
            (files(&empty, &junk), false, "no PEM certificate"),
        ] {
            let e = load(&f).unwrap_err();
            let text = e.to_string();
            assert_eq!(e.is_about_key(), about_key, "{text}");
            assert!(text.contains(needle), "{text}");
            assert!(text.contains(&f.cert.display().to_string()), "{text}");
            assert!(!text.contains("secret"), "{text}");
        }
    }

    #[test]
    fn a_certificate_needs_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let a = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = write(dir.path(), "a.crt", &a.cert.pem());
        let key = write(dir.path(), "a.key", &a.signing_key.serialize_pem());
        let other = write(dir.path(), "b.key", &b.signing_key.serialize_pem());
        let files = |cert: &Path, key: &Path| TlsSection {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        };
        let config = load(&files(&cert, &key)).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let e = load(&files(&cert, &other)).unwrap_err();
        assert!(matches!(e, TlsError::Mismatch { .. }), "{e}");
        assert!(e.is_about_key());
        // Swapped files: the certificate file has no key, the key file no certificate.
        let e = load(&files(&key, &cert)).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let e = load(&files(&cert, &cert)).unwrap_err();
        assert!(e.to_string().contains("no PEM private key"), "{e}");
        assert!(e.is_about_key());
    }

    #[test]
    fn pem_problems_quote_nothing() {
        let e = pem::Error::IllegalSectionStart {
            line: b"-----BEGIN secret".to_vec(),
        };
        assert!(!pem_problem(&e).contains("secret"));
    }
}
