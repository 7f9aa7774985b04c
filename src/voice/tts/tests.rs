//! Fakes of espeak-ng (small shell scripts) for the failure paths; the real espeak-ng for the
//! 13 languages × 2 genders, skipped with a message only where it is not installed.

use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use super::*;

const CODE: &str = "482193";

fn espeak_installed() -> bool {
    let ok = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: espeak-ng is not installed (apt-get install espeak-ng); CI has it");
    }
    ok
}

/// A fake espeak-ng: a shell script in a temporary directory.
fn fake(body: &str) -> (tempfile::TempDir, Tts) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake-espeak");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tts = Tts {
        program: path,
        timeout: Duration::from_secs(5),
        ..Tts::default()
    };
    (dir, tts)
}

/// Renders, retrying while another test's fork still holds the fresh script open (ETXTBSY).
async fn render_with(tts: &Tts, script: &Script) -> Result<Pcm, TtsError> {
    for _ in 0..20 {
        let request = Request {
            script,
            gender: Gender::Female,
        };
        match tts.render(&request).await {
            Err(TtsError::Spawn { source, .. }) if source.raw_os_error() == Some(26) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
    panic!("the fake stayed busy");
}

fn script() -> Script {
    Script::new(Language::EnUs, CODE).unwrap()
}

#[test]
fn voices_per_language_and_gender() {
    let cases = [
        (Language::EnUs, "gmw/en-US"),
        (Language::EnGb, "gmw/en"),
        (Language::ElGr, "grk/el"),
        (Language::PlPl, "zlw/pl"),
        (Language::HuHu, "urj/hu"),
        (Language::SvSe, "gmq/sv"),
        (Language::DeDe, "gmw/de"),
        (Language::EsEs, "roa/es"),
        (Language::EsLa, "roa/es-419"),
        (Language::FrFr, "roa/fr"),
        (Language::ItIt, "roa/it"),
        (Language::PtBr, "roa/pt-BR"),
        (Language::RuRu, "zle/ru"),
    ];
    assert_eq!(cases.map(|c| c.0), Language::ALL);
    for (lang, file) in cases {
        assert_eq!(voice_arg(lang, Gender::Male), format!("{file}+m3"));
        assert_eq!(voice_arg(lang, Gender::Female), format!("{file}+f3"));
    }
}

#[test]
fn every_voice_file_exists_in_the_installed_espeak_ng() {
    if !espeak_installed() {
        return;
    }
    let out = std::process::Command::new("espeak-ng")
        .arg("--voices")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    for lang in Language::ALL {
        let file = voice_file(lang);
        assert!(
            listing
                .lines()
                .any(|l| l.split_whitespace().nth(4) == Some(file)),
            "{file} is not in espeak-ng --voices"
        );
    }
}

#[test]
fn stderr_is_scrubbed_of_the_input() {
    let cases = [
        ("Error: voice not found\n", "Error: voice not found"),
        ("a\n\n  b  \n", "a | b"),
        (
            "bad markup <say-as>4</say-as>\nexit\n",
            "[a line quoting the input, withheld] | exit",
        ),
        (
            "cannot say 482193 today\n",
            "[a line quoting the input, withheld]",
        ),
    ];
    for (stderr, want) in cases {
        assert_eq!(scrub(stderr.as_bytes(), CODE), want);
    }
    let long = scrub("é".repeat(1000).as_bytes(), CODE);
    assert_eq!(long.chars().count(), 303, "cut on a char boundary");
}

#[tokio::test]
async fn a_missing_program_says_to_install_espeak_ng() {
    let tts = Tts {
        program: PathBuf::from("/nonexistent/espeak-ng"),
        ..Tts::default()
    };
    let err = render_with(&tts, &script()).await.unwrap_err();
    assert!(matches!(err, TtsError::NotInstalled { .. }), "{err:?}");
    assert!(
        err.to_string().contains("install the espeak-ng package"),
        "{err}"
    );
}

#[tokio::test]
async fn the_text_goes_on_stdin_not_argv_and_never_into_errors() {
    let (dir, tts) = fake("echo \"$@\" > \"$(dirname \"$0\")/argv\"; cat >&2; exit 3");
    let err = render_with(&tts, &script()).await.unwrap_err();
    let argv = std::fs::read_to_string(dir.path().join("argv")).unwrap();
    assert_eq!(
        argv.trim(),
        "-v gmw/en-US+f3 -m -b 1 -s 150 --stdin --stdout"
    );
    assert!(matches!(err, TtsError::Failed { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("withheld"), "{shown}");
    for ch in CODE.chars() {
        assert!(!shown.contains(&format!(">{ch}<")), "{shown}");
    }
    assert!(
        !shown.contains("say-as") && !shown.contains(CODE),
        "{shown}"
    );
}

#[tokio::test]
async fn a_hung_child_is_killed_at_the_timeout() {
    let (dir, mut tts) = fake("echo $$ > \"$(dirname \"$0\")/pid\"; exec sleep 30");
    tts.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = render_with(&tts, &script()).await.unwrap_err();
    assert!(matches!(err, TtsError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    // Killed: gone, or a zombie until tokio's reaper collects it.
    let gone = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "))
    });
    assert!(gone, "the child still runs");
}

#[tokio::test]
async fn garbage_and_silence_are_errors() {
    let (_d1, garbage) = fake("cat > /dev/null; echo not a wav");
    let err = render_with(&garbage, &script()).await.unwrap_err();
    assert!(matches!(err, TtsError::Wav { .. }), "{err:?}");

    // A valid, streamed 22050 Hz WAV header followed by half a second of zeros.
    let header = "RIFF\\044\\360\\377\\177WAVEfmt \\020\\0\\0\\0\\001\\0\\001\\0\\042\\126\\0\\0\
                  \\104\\254\\0\\0\\002\\0\\020\\0data\\0\\360\\377\\177";
    let (_d2, silent) = fake(&format!(
        "cat > /dev/null; printf '{header}'; head -c 22050 /dev/zero"
    ));
    let err = render_with(&silent, &script()).await.unwrap_err();
    assert!(matches!(err, TtsError::Silent { .. }), "{err:?}");
}

/// Median pitch in Hz, by autocorrelation over the loud 40 ms frames.
fn median_pitch(pcm: &Pcm) -> f64 {
    let loud = pcm.rms() * 0.5;
    let mut pitches: Vec<f64> = pcm
        .samples
        .chunks_exact(320)
        .filter(|f| Pcm::new(8000, f.to_vec()).rms() > loud)
        .filter_map(|f| {
            let x: Vec<f64> = f.iter().map(|&s| f64::from(s)).collect();
            (16..=100usize) // 500 Hz down to 80 Hz
                .map(|lag| {
                    let (a, b) = (&x[..x.len() - lag], &x[lag..]);
                    let dot: f64 = a.iter().zip(b).map(|(p, q)| p * q).sum();
                    let energy = (a.iter().map(|v| v * v).sum::<f64>()
                        * b.iter().map(|v| v * v).sum::<f64>())
                    .sqrt();
                    (dot / energy.max(1.0), lag)
                })
                .max_by(|p, q| p.0.total_cmp(&q.0))
                .filter(|(r, _)| *r > 0.6)
                .map(|(_, lag)| 8000.0 / lag as f64)
        })
        .collect();
    pitches.sort_by(f64::total_cmp);
    pitches.get(pitches.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn every_language_renders_in_both_genders() {
    if !espeak_installed() {
        return;
    }
    let tts = Tts::default();
    let mut times = Vec::new();
    for lang in Language::ALL {
        let script = Script::new(lang, CODE).unwrap();
        let mut rendered = Vec::new();
        for gender in Gender::ALL {
            let started = Instant::now();
            let pcm = tts
                .render(&Request {
                    script: &script,
                    gender,
                })
                .await
                .unwrap();
            times.push(started.elapsed());
            assert_eq!(pcm.sample_rate, 8000);
            assert!(!pcm.is_silent(), "{lang} {gender}: rms {}", pcm.rms());
            let secs = pcm.duration().as_secs_f64();
            assert!((2.0..30.0).contains(&secs), "{lang} {gender}: {secs:.1} s");
            rendered.push(pcm);
        }
        let (male, female) = (&rendered[0], &rendered[1]);
        assert_ne!(male.samples, female.samples, "{lang}");
        let (m, f) = (median_pitch(male), median_pitch(female));
        assert!(
            f > 1.3 * m && m > 60.0,
            "{lang}: male {m:.0} Hz, female {f:.0} Hz"
        );
        eprintln!(
            "{lang}: {:.1} s; pitch male {m:.0} Hz, female {f:.0} Hz",
            male.duration().as_secs_f64()
        );
    }
    let total: Duration = times.iter().sum();
    eprintln!(
        "render time: mean {:?}, max {:?} over {} renders",
        total / times.len() as u32,
        times.iter().max().unwrap(),
        times.len()
    );
}

/// espeak-ng's phonemes (`-x`) for an SSML document in a language.
fn phonemes(lang: Language, ssml: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("espeak-ng")
        .args([
            "-v",
            voice_file(lang),
            "-m",
            "-b",
            "1",
            "-q",
            "-x",
            "--stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ssml.as_bytes())
        .unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn letters_are_spelled_not_read_as_words() {
    if !espeak_installed() {
        return;
    }
    let ssml = Script::new(Language::EnUs, "ON").unwrap().ssml();
    let x = phonemes(Language::EnUs, &ssml);
    // "O, N" is 'oU 'En, each ending a clause (_!); the word "on" would be 0n.
    assert_eq!(x.matches("'oU_!").count(), 2, "{x}");
    assert_eq!(x.matches("'En_!").count(), 2, "{x}");
    assert!(!x.contains("0n") && !x.contains("d'0t"), "{x}");
    let es = phonemes(
        Language::EsEs,
        &Script::new(Language::EsEs, "y").unwrap().ssml(),
    );
    assert_eq!(
        es.matches("iQ**i;'eQa").count(),
        2,
        "Spanish y is i griega: {es}"
    );
}

#[tokio::test]
async fn mixed_case_takes_longer_and_clips_render() {
    if !espeak_installed() {
        return;
    }
    let tts = Tts::default();
    let say = |code: &'static str| {
        let tts = tts.clone();
        async move {
            let script = Script::new(Language::DeDe, code).unwrap();
            let request = Request {
                script: &script,
                gender: Gender::Male,
            };
            tts.render(&request).await.unwrap().duration()
        }
    };
    let (one_case, mixed) = (say("ABCD").await, say("AbCd").await);
    assert!(
        mixed > one_case + Duration::from_secs(2),
        "{one_case:?} vs {mixed:?}"
    );

    let clips = tts
        .render_clips(Language::FrFr, Gender::Female)
        .await
        .unwrap();
    assert_eq!(clips.len(), Token::clips().len());
    for clip in &clips {
        let pcm = wav::parse(&clip.wav).unwrap();
        assert_eq!(pcm.sample_rate, 8000, "{}", clip.name);
        assert!(!pcm.is_silent(), "{}", clip.name);
        assert!(pcm.duration() < Duration::from_secs(3), "{}", clip.name);
    }
    let pause = Token::Pause(crate::voice::Pause::BetweenReadings);
    let silence = tts
        .render_clip(Language::FrFr, Gender::Female, &pause)
        .await
        .unwrap();
    assert_eq!(silence.duration(), Duration::from_millis(1200));
}
