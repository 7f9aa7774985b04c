//! The Debian package's metadata (`[package.metadata.deb]` in Cargo.toml, read by cargo-deb)
//! cannot rot: every file it names exists, and the maintainer scripts can take cargo-deb's
//! generated snippets. (Building the .deb itself takes a release build: see README, "Install".)

use std::path::Path;

fn manifest() -> (std::path::PathBuf, toml::Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let text = std::fs::read_to_string(root.join("Cargo.toml")).expect("read Cargo.toml");
    (root, toml::from_str(&text).expect("Cargo.toml parses"))
}

/// Files matching `pattern` (relative to `root`), where only the last component may hold `*`.
fn matches(root: &Path, pattern: &str) -> Vec<String> {
    let (dir, name) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    if !name.contains('*') {
        return if root.join(pattern).is_file() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let (prefix, suffix) = name.split_once('*').expect("one *");
    assert!(!suffix.contains('*'), "{pattern}: one * at most");
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|f| f.starts_with(prefix) && f.ends_with(suffix) && f.len() >= name.len() - 1)
        .map(|f| format!("{dir}/{f}"))
        .collect()
}

#[test]
fn every_asset_of_the_deb_exists() {
    let (root, cargo) = manifest();
    let deb = &cargo["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().expect("deb assets");
    let bins: Vec<&str> = cargo["bin"]
        .as_array()
        .expect("[[bin]]")
        .iter()
        .filter_map(|b| b["name"].as_str())
        .collect();
    let mut dests = Vec::new();
    for asset in assets {
        let (source, dest) = match asset {
            toml::Value::Array(a) => (a[0].as_str(), a[1].as_str()),
            t => (t["source"].as_str(), t["dest"].as_str()),
        };
        let (source, dest) = (source.expect("source"), dest.expect("dest"));
        dests.push(dest.to_string());
        if let Some(bin) = source.strip_prefix("target/release/") {
            // cargo-deb builds it: it must be one of our binaries.
            assert!(bins.contains(&bin), "{source}: not a [[bin]] ({bins:?})");
            continue;
        }
        assert!(
            !matches(&root, source).is_empty(),
            "deb asset {source} matches no file in the repository"
        );
    }
    // What an operator and the unit expect to find where.
    for want in [
        "usr/bin/",
        "usr/lib/udev/rules.d/99-otpgate.rules",
        "etc/otpgate/otpgate.toml",
    ] {
        assert!(dests.iter().any(|d| d == want), "no asset installs {want}");
    }

    // From the unit-scripts directory cargo-deb takes <package>.service (to
    // usr/lib/systemd/system/) and <package>.sysusers (to usr/lib/sysusers.d/otpgate.conf,
    // and the postinst runs systemd-sysusers on it).
    let units = deb["systemd-units"]["unit-scripts"]
        .as_str()
        .expect("systemd-units.unit-scripts");
    for file in ["otpgate.service", "otpgate.sysusers"] {
        assert!(root.join(units).join(file).is_file(), "{units}{file}");
    }
    let scripts = deb["maintainer-scripts"]
        .as_str()
        .expect("maintainer-scripts");
    let postinst = root.join(scripts).join("postinst");
    let text = std::fs::read_to_string(&postinst).expect("postinst");
    assert!(
        text.contains("#DEBHELPER#"),
        "cargo-deb inserts its snippets at #DEBHELPER#"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&postinst)
        .expect("stat")
        .permissions()
        .mode();
    assert!(mode & 0o111 != 0, "postinst is executable");
}
