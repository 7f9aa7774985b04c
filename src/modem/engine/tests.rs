//! The modem task against a scripted peer on an in-memory pipe (the pty path is covered by the
//! integration tests against the simulated modem).

use super::*;
use crate::at::command;
use tokio::io::{duplex, DuplexStream};

fn config() -> EngineConfig {
    EngineConfig {
        command_timeout: Duration::from_millis(300),
        submit_timeout: Duration::from_millis(600),
        urc_capacity: 8,
    }
}

/// Reads from the peer side until `want` has been seen; returns everything read.
async fn expect(peer: &mut DuplexStream, want: &[u8]) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !seen.windows(want.len()).any(|w| w == want) {
        let n = tokio::time::timeout(Duration::from_secs(2), peer.read(&mut buf))
            .await
            .expect("the engine wrote nothing")
            .expect("read");
        assert!(n > 0, "engine closed the port");
        seen.extend_from_slice(&buf[..n]);
    }
    seen
}

/// `send_pdu` on its own task, so the test can play the modem meanwhile.
fn send_in_background(
    handle: &ModemHandle,
    tpdu_len: usize,
    hex: &'static str,
) -> tokio::task::JoinHandle<Result<u8, AtError>> {
    let h = handle.clone();
    tokio::spawn(async move { h.send_pdu(tpdu_len, hex).await })
}

#[tokio::test]
async fn answer_with_echo_and_urcs_in_between() {
    let (port, mut peer) = duplex(1024);
    let (handle, mut urcs) = spawn(port, config(), CancellationToken::new());
    let call = tokio::spawn({
        let h = handle.clone();
        async move { h.command(command::signal()).await }
    });
    expect(&mut peer, b"AT+CSQ\r").await;
    peer.write_all(b"AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\n^RSSI: 17\r\n\r\nOK\r\n")
        .await
        .unwrap();
    let lines = call.await.unwrap().unwrap();
    assert_eq!(lines, vec!["+CSQ: 20,99".to_string()]);
    assert_eq!(urcs.recv().await, Some(Urc::Rssi(17)));
    // Between commands, URCs still flow.
    peer.write_all(b"\r\n+CMTI: \"SM\",2\r\n").await.unwrap();
    assert_eq!(
        urcs.recv().await,
        Some(Urc::NewMessage {
            mem: "SM".into(),
            index: 2
        })
    );
    assert_eq!(handle.commands_sent(), 1);
}

#[tokio::test]
async fn a_late_answer_after_a_timeout_does_not_answer_the_next_command() {
    let (port, mut peer) = duplex(1024);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    let first = handle.command(command::identity(command::Identity::Manufacturer));
    let (first, _) = tokio::join!(first, expect(&mut peer, b"AT+CGMI\r"));
    assert!(
        matches!(
            first,
            Err(AtError::Timeout {
                maybe_sent: false,
                ..
            })
        ),
        "{first:?}"
    );
    // The late answer arrives just before the next command.
    peer.write_all(b"\r\nLATE\r\n\r\nOK\r\n").await.unwrap();
    let call = tokio::spawn({
        let h = handle.clone();
        async move { h.command(command::identity(command::Identity::Model)).await }
    });
    expect(&mut peer, b"AT+CGMM\r").await;
    peer.write_all(b"\r\nMODEL-X\r\n\r\nOK\r\n").await.unwrap();
    assert_eq!(call.await.unwrap().unwrap(), vec!["MODEL-X".to_string()]);
}

#[tokio::test]
async fn pdu_send_is_one_exchange() {
    let (port, mut peer) = duplex(1024);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    let pdu = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
    let call = send_in_background(&handle, 23, pdu);
    expect(&mut peer, b"AT+CMGS=23\r").await;
    peer.write_all(b"AT+CMGS=23\r\r\n> ").await.unwrap();
    let mut written = pdu.as_bytes().to_vec();
    written.push(0x1A);
    expect(&mut peer, &written).await;
    peer.write_all(&written).await.unwrap();
    peer.write_all(b"\r\n+CMGS: 42\r\n\r\nOK\r\n")
        .await
        .unwrap();
    assert_eq!(call.await.unwrap().unwrap(), 42);
    assert_eq!(handle.commands_sent(), 1);
}

#[tokio::test]
async fn pdu_errors_and_timeouts() {
    let (port, mut peer) = duplex(1024);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    // An error instead of the prompt.
    let call = send_in_background(&handle, 10, "00");
    expect(&mut peer, b"AT+CMGS=10\r").await;
    peer.write_all(b"\r\n+CMS ERROR: 1\r\n").await.unwrap();
    let err = call.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("unassigned number"), "{err}");
    assert_eq!(err.class(), crate::at::ErrorClass::Permanent);

    // No prompt: ESC goes out so the modem does not take the next command for PDU text.
    let call = send_in_background(&handle, 10, "00");
    expect(&mut peer, b"AT+CMGS=10\r").await;
    expect(&mut peer, &[0x1B]).await;
    assert!(matches!(
        call.await.unwrap(),
        Err(AtError::Timeout {
            maybe_sent: false,
            ..
        })
    ));

    // Prompt, PDU, then silence: the SMS may have gone out.
    let call = send_in_background(&handle, 10, "00");
    expect(&mut peer, b"AT+CMGS=10\r").await;
    peer.write_all(b"\r\n> ").await.unwrap();
    expect(&mut peer, b"00\x1a").await;
    assert!(matches!(
        call.await.unwrap(),
        Err(AtError::Timeout {
            maybe_sent: true,
            ..
        })
    ));
}

#[tokio::test]
async fn closed_port_ends_the_task_and_the_urc_channel() {
    let (port, peer) = duplex(1024);
    let (handle, mut urcs) = spawn(port, config(), CancellationToken::new());
    drop(peer);
    assert_eq!(urcs.recv().await, None);
    assert!(matches!(
        handle.command(command::attention()).await,
        Err(AtError::Closed)
    ));
}

#[tokio::test]
async fn a_reboot_under_a_send_ends_it_at_once() {
    let (port, mut peer) = duplex(1024);
    let mut cfg = config();
    cfg.submit_timeout = Duration::from_secs(30);
    let (handle, mut urcs) = spawn(port, cfg, CancellationToken::new());
    let call = send_in_background(&handle, 10, "00");
    expect(&mut peer, b"AT+CMGS=10\r").await;
    peer.write_all(b"\r\n> ").await.unwrap();
    expect(&mut peer, b"00\x1a").await;
    peer.write_all(b"\r\nRDY\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let err = call.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            AtError::Rebooted {
                maybe_sent: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not the 30 s submit timeout"
    );
    assert_eq!(
        urcs.recv().await,
        Some(Urc::Ready),
        "the worker hears of it too"
    );
}

#[tokio::test]
async fn an_ok_instead_of_the_prompt_is_followed_by_an_esc() {
    // A late OK answered our +CMGS: the prompt may still come, and must be cancelled.
    let (port, mut peer) = duplex(1024);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    let call = send_in_background(&handle, 23, "0011");
    expect(&mut peer, b"AT+CMGS=23\r").await;
    peer.write_all(b"\r\nOK\r\n").await.unwrap();
    let r = call.await.unwrap();
    assert!(matches!(r, Err(AtError::Unexpected { .. })), "{r:?}");
    expect(&mut peer, &[0x1b]).await;
}

#[tokio::test(start_paused = true)]
async fn a_port_that_takes_no_data_times_out_as_an_io_error() {
    // A peer that never reads: the pipe fills and the write cannot finish.
    let (port, _peer) = duplex(8);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    let r = handle.command(command::pin_state()).await;
    assert!(matches!(r, Err(AtError::Io(_))), "{r:?}");
}

#[tokio::test]
async fn a_port_gone_after_the_pdu_may_have_sent_it() {
    let (port, mut peer) = duplex(1024);
    let (handle, _urcs) = spawn(port, config(), CancellationToken::new());
    let call = send_in_background(&handle, 2, "0011");
    expect(&mut peer, b"AT+CMGS=2\r").await;
    peer.write_all(b"\r\n> ").await.unwrap();
    expect(&mut peer, b"0011\x1a").await;
    drop(peer);
    let r = call.await.unwrap();
    assert!(matches!(r, Err(AtError::LostAfterData { .. })), "{r:?}");
}
