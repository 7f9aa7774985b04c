//! The AT commands otpgate sends, each with how it is answered and how long it may take, and
//! parsers for the answers we read. Commands are built, and numeric answers parsed, with the
//! `at-commands` crate; the references are to 3GPP TS 27.007 (general, network, SIM) and
//! TS 27.005 (SMS).

use super::ingress::CommandSpec;
use at_commands::builder::CommandBuilder;
use at_commands::parser::CommandParser;
use std::time::Duration;

/// A command with its answer shape and, when it is slow by nature, its own timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub spec: CommandSpec,
    /// Overrides the engine's default command timeout.
    pub timeout: Option<Duration>,
}

impl Command {
    fn new(spec: CommandSpec) -> Self {
        Self {
            spec,
            timeout: None,
        }
    }

    /// A command with its own timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Any command, answered by a final result code only (for tools and tests).
    pub fn raw(text: &str) -> Self {
        Self::new(CommandSpec::plain(text))
    }

    /// Any command whose information lines start with its own name and a colon
    /// (`AT+QURCCFG="urcport"` is answered `+QURCCFG: "urcport","usbat"`): a setting a modem
    /// profile reads.
    pub fn read_setting(text: &str) -> Self {
        let name = text
            .get(2..)
            .unwrap_or_default()
            .split(['=', '?'])
            .next()
            .unwrap_or_default();
        Self::new(CommandSpec::prefixed(text, &format!("{name}:")))
    }
}

/// Builds `AT<name>=<ints>` with the at-commands builder.
fn set_ints(name: &str, params: &[i32]) -> String {
    let mut buf = [0u8; 64];
    let mut b = CommandBuilder::create_set(&mut buf, true).named(name);
    for p in params {
        b = b.with_int_parameter(*p);
    }
    built(b.finish_with(b""))
}

fn query(name: &str) -> String {
    let mut buf = [0u8; 32];
    built(
        CommandBuilder::create_query(&mut buf, true)
            .named(name)
            .finish_with(b""),
    )
}

fn test(name: &str) -> String {
    let mut buf = [0u8; 32];
    built(
        CommandBuilder::create_test(&mut buf, true)
            .named(name)
            .finish_with(b""),
    )
}

fn execute(name: &str) -> String {
    let mut buf = [0u8; 32];
    built(
        CommandBuilder::create_execute(&mut buf, true)
            .named(name)
            .finish_with(b""),
    )
}

/// The builder answers `Err(needed)` only when the buffer is too small, which the fixed sizes
/// above rule out for our commands; fall back to an empty command (answered `ERROR`) rather
/// than panic.
fn built(r: Result<&[u8], usize>) -> String {
    r.map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_else(|_| "AT".into())
}

/// `AT`: is anyone there (V.250).
pub fn attention() -> Command {
    Command::new(CommandSpec::plain("AT"))
}

/// `ATZ`: back to the stored profile (V.250 §6.1.1); some modems take a while.
pub fn reset() -> Command {
    Command::new(CommandSpec::plain("ATZ")).with_timeout(Duration::from_secs(10))
}

/// `ATV1`: verbose result codes (V.250 §6.2.6), for a modem whose stored profile says `ATV0`
/// (its numeric `0`/`4` are understood until then).
pub fn verbose_results() -> Command {
    Command::new(CommandSpec::plain("ATV1"))
}

/// `ATE0`: no echo (V.250 §6.2.4). We cope with echo anyway.
pub fn echo_off() -> Command {
    Command::new(CommandSpec::plain("ATE0"))
}

/// `AT+CMEE=1`: numeric `+CME`/`+CMS ERROR` values (27.007 §9.1).
pub fn numeric_errors() -> Command {
    Command::new(CommandSpec::plain(set_ints("+CMEE", &[1])))
}

/// `AT+CMEE?`: the error report mode; a modem that restarted is back at its default.
pub fn error_mode() -> Command {
    Command::new(CommandSpec::prefixed("AT+CMEE?", "+CMEE:"))
}

/// `+CMEE: <n>` → n.
pub fn parse_error_mode(lines: &[String]) -> Option<u8> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("+CMEE:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Identity commands answered by bare text (27.007 §5.1-5.3, §5.6, §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Manufacturer,
    Model,
    Revision,
    Imei,
    Imsi,
}

/// `AT+CGMI`, `+CGMM`, `+CGMR`, `+CGSN`, `+CIMI`.
pub fn identity(which: Identity) -> Command {
    let name = match which {
        Identity::Manufacturer => "+CGMI",
        Identity::Model => "+CGMM",
        Identity::Revision => "+CGMR",
        Identity::Imei => "+CGSN",
        Identity::Imsi => "+CIMI",
    };
    Command::new(CommandSpec::bare(execute(name), &format!("{name}:")))
}

/// `AT+CCID` (vendor, widely supported): the SIM's ICCID.
pub fn iccid() -> Command {
    Command::new(CommandSpec::bare(execute("+CCID"), "+CCID:"))
}

/// Strips an optional echo of the command name from a bare answer (`+CGMI: Quectel`).
pub fn bare_value(line: &str) -> String {
    let line = line.trim();
    let value = match line.split_once(':') {
        Some((head, rest)) if head.starts_with('+') && !head.contains(' ') => rest,
        _ => line,
    };
    value.trim().trim_matches('"').to_string()
}

/// `AT+CPIN?` (27.007 §8.3).
pub fn pin_state() -> Command {
    Command::new(CommandSpec::prefixed(query("+CPIN"), "+CPIN:"))
}

/// `AT+CPIN="<pin>"`: never logged.
pub fn enter_pin(pin: &str) -> Command {
    let mut buf = [0u8; 64];
    let text = built(
        CommandBuilder::create_set(&mut buf, true)
            .named("+CPIN")
            .with_string_parameter(pin)
            .finish_with(b""),
    );
    Command::new(CommandSpec::plain(text).sensitive()).with_timeout(Duration::from_secs(20))
}

/// SIM states of `+CPIN:` that matter to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinState {
    Ready,
    SimPin,
    SimPuk,
    /// `NOT READY`: not in 27.007 §8.3, but what EC2x, SIM7600 and u-blox modems answer while
    /// the SIM is still starting after power-up (and some when there is no SIM at all).
    NotReady,
    /// Anything else (`PH-SIM PIN`, `SIM PIN2`, ...), verbatim.
    Other(String),
}

/// Parses `+CPIN: READY`.
pub fn parse_pin_state(lines: &[String]) -> Option<PinState> {
    let line = lines.iter().find(|l| l.starts_with("+CPIN:"))?;
    let state = line.get("+CPIN:".len()..)?.trim().trim_matches('"');
    Some(match state.to_ascii_uppercase().as_str() {
        "READY" => PinState::Ready,
        "SIM PIN" => PinState::SimPin,
        "SIM PUK" => PinState::SimPuk,
        "NOT READY" => PinState::NotReady,
        _ => PinState::Other(state.to_string()),
    })
}

/// The registration read commands: `AT+CREG?` (CS, 27.007 §7.2), `AT+CGREG?` (GPRS, §10.1.20),
/// `AT+CEREG?` (EPS, §10.1.22).
pub fn registration(domain: Domain) -> Command {
    let name = domain.name();
    Command::new(CommandSpec::prefixed(query(name), &format!("{name}:")))
}

/// A registration domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Cs,
    Gprs,
    Eps,
}

impl Domain {
    fn name(self) -> &'static str {
        match self {
            Domain::Cs => "+CREG",
            Domain::Gprs => "+CGREG",
            Domain::Eps => "+CEREG",
        }
    }

    /// The domain in words: `CS`, `GPRS`, `EPS`.
    pub fn label(self) -> &'static str {
        match self {
            Domain::Cs => "CS",
            Domain::Gprs => "GPRS",
            Domain::Eps => "EPS",
        }
    }
}

/// `<stat>` of a registration answer `+CREG: <n>,<stat>[,...]`.
pub fn parse_registration(lines: &[String]) -> Option<u8> {
    lines.iter().find_map(|l| {
        let (head, _) = l.split_once(':')?;
        let ident = format!("{head}:");
        let (_, stat) = CommandParser::parse(l.as_bytes())
            .expect_identifier(ident.as_bytes())
            .expect_int_parameter()
            .expect_int_parameter()
            .finish()
            .ok()?;
        u8::try_from(stat).ok()
    })
}

/// Words for `<stat>` (27.007 §7.2).
pub fn registration_text(stat: u8) -> &'static str {
    match stat {
        0 => "not registered, not searching",
        1 => "registered, home network",
        2 => "not registered, searching",
        3 => "registration denied",
        4 => "unknown",
        5 => "registered, roaming",
        6 | 7 => "registered for SMS only",
        8 => "emergency services only",
        _ => "unknown",
    }
}

/// Whether `<stat>` allows sending (home, roaming, SMS-only home/roaming).
pub fn is_registered(stat: u8) -> bool {
    matches!(stat, 1 | 5 | 6 | 7)
}

/// `AT+CSQ` (27.007 §8.5).
pub fn signal() -> Command {
    Command::new(CommandSpec::prefixed(execute("+CSQ"), "+CSQ:"))
}

/// `<rssi>` of `+CSQ: <rssi>,<ber>`; 99 means unknown.
pub fn parse_signal(lines: &[String]) -> Option<u8> {
    lines.iter().find_map(|l| {
        let (rssi, _ber) = CommandParser::parse(l.as_bytes())
            .expect_identifier(b"+CSQ:")
            .expect_int_parameter()
            .expect_int_parameter()
            .finish()
            .ok()?;
        u8::try_from(rssi).ok()
    })
}

/// dBm of a `+CSQ` `<rssi>` (0 is -113 dBm or less, 31 is -51 dBm or more, 99 unknown).
pub fn rssi_dbm(rssi: u8) -> Option<i32> {
    (rssi <= 31).then(|| -113 + 2 * i32::from(rssi))
}

/// `AT+COPS?` (27.007 §7.3).
pub fn operator() -> Command {
    Command::new(CommandSpec::prefixed(query("+COPS"), "+COPS:"))
}

/// The operator name of `+COPS: <mode>,<format>,"<oper>"[,<AcT>]`.
pub fn parse_operator(lines: &[String]) -> Option<String> {
    let line = lines.iter().find(|l| l.starts_with("+COPS:"))?;
    let name = line.split(',').nth(2)?.trim().trim_matches('"');
    (!name.is_empty()).then(|| name.to_string())
}

/// `AT+CMGF=0`: PDU mode (27.005 §3.2.3).
pub fn pdu_mode() -> Command {
    Command::new(CommandSpec::plain(set_ints("+CMGF", &[0])))
}

/// `AT+CNMI=<mode>,<mt>,<bm>,<ds>[,<bfr>]` (27.005 §3.4.1): how new messages and status
/// reports are indicated.
pub fn new_message_indications(params: &[i32]) -> Command {
    Command::new(CommandSpec::plain(set_ints("+CNMI", params)))
}

/// `AT+CNMI=?` (27.005 §3.4.1): the values the modem supports for each `+CNMI` parameter.
pub fn supported_indications() -> Command {
    Command::new(CommandSpec::prefixed(test("+CNMI"), "+CNMI:"))
}

/// The values a test command (`AT<name>=?`) lists for each of its parameters, in order:
/// `+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)` gives `[[0,1,2,3], [0,1,2,3], [0,2], [0,1,2], [0,1]]`.
/// A parameter is a parenthesised list of values and ranges, or one bare value or range; an
/// empty list `()` is a parameter without values. `None` when the line is missing or any
/// part does not parse (a quoted string, a range above 255, unbalanced parentheses): the
/// caller then falls back to what it would do without the answer.
pub fn parse_supported(lines: &[String], prefix: &str) -> Option<Vec<Vec<u16>>> {
    let rest = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix))?
        .trim();
    if rest.is_empty() {
        return None;
    }
    // Split on the commas between parameters, not those inside a list.
    let mut params = Vec::new();
    let (mut depth, mut start) = (0u8, 0usize);
    for (i, c) in rest.char_indices() {
        match c {
            '(' if depth == 0 => depth = 1,
            ')' if depth == 1 => depth = 0,
            '(' | ')' => return None,
            ',' if depth == 0 => {
                params.push(rest.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    params.push(rest.get(start..)?);
    params.into_iter().map(parse_value_list).collect()
}

/// `(0-2,5)`, `(0,1)`, `()`, `3` or `0-3` → the values, ascending.
pub fn parse_value_list(param: &str) -> Option<Vec<u16>> {
    let param = param.trim();
    let inner = match param.strip_prefix('(') {
        Some(open) => open.strip_suffix(')')?,
        None if param.is_empty() => return None,
        None => param,
    };
    let mut values = Vec::new();
    for item in inner.split(',').map(str::trim) {
        if item.is_empty() {
            // `()`: no values; `(0,,1)`: not a list we understand.
            if inner.trim().is_empty() {
                break;
            }
            return None;
        }
        let (lo, hi): (u16, u16) = match item.split_once('-') {
            Some((lo, hi)) => (lo.trim().parse().ok()?, hi.trim().parse().ok()?),
            None => {
                let v = item.parse().ok()?;
                (v, v)
            }
        };
        if lo > hi || hi > 255 {
            return None;
        }
        values.extend(lo..=hi);
    }
    values.sort_unstable();
    values.dedup();
    Some(values)
}

/// The `AT+CNMI` values to set, chosen from what `AT+CNMI=?` listed (see
/// [`parse_supported`]); `None` when the modem lacks what otpgate needs, and the caller
/// falls back to fixed settings. Each parameter takes the first of these the modem lists:
/// - `<mode>` 2 (buffer indications while the link is busy, then flush), 1 (discard them
///   then), 3 (in-band);
/// - `<mt>` 1 (`+CMTI` for a stored SMS), 3 (`+CMT` for class 3, `+CMTI` for the rest);
/// - `<bm>` 0 (no cell broadcast);
/// - `<ds>` with `status_reports` 1 (`+CDS`), 2 (`+CDSI`, stored), else 0; without, 0;
/// - `<bfr>` 0 (flush buffered indications), 1 — when the modem has a fifth parameter.
pub fn choose_indications(supported: &[Vec<u16>], status_reports: bool) -> Option<Vec<i32>> {
    let ds: &[u16] = if status_reports { &[1, 2, 0] } else { &[0] };
    let wanted: [&[u16]; 5] = [&[2, 1, 3], &[1, 3], &[0], ds, &[0, 1]];
    if supported.len() < 4 {
        return None;
    }
    supported
        .iter()
        .zip(wanted)
        .map(|(have, want)| {
            want.iter()
                .find(|v| have.contains(v))
                .map(|v| i32::from(*v))
        })
        .collect()
}

/// Whether `AT+CNMI` values route status reports to us (`<ds>` 1 or 2).
pub fn indications_route_reports(params: &[i32]) -> bool {
    matches!(params.get(3), Some(1 | 2))
}

/// `AT+CMGS=<length>` (27.005 §3.5.1, PDU mode): prompt, PDU, Ctrl-Z, `+CMGS: <mr>`.
pub fn send_pdu(tpdu_len: usize) -> Command {
    let len = i32::try_from(tpdu_len).unwrap_or(i32::MAX);
    Command::new(CommandSpec::with_prompt(
        set_ints("+CMGS", &[len]),
        "+CMGS:",
    ))
}

/// `<mr>` of `+CMGS: <mr>[,<ackpdu>]`.
pub fn parse_message_ref(lines: &[String]) -> Option<u8> {
    lines.iter().find_map(|l| {
        let (mr,) = CommandParser::parse(l.as_bytes())
            .expect_identifier(b"+CMGS:")
            .expect_int_parameter()
            .finish()
            .ok()?;
        u8::try_from(mr).ok()
    })
}

/// `AT+CPMS="<mem>"` (27.005 §3.2.2): the memory `+CMGR`, `+CMGL` and `+CMGD` work on.
pub fn message_storage(mem: &str) -> Command {
    let mut buf = [0u8; 32];
    let text = built(
        CommandBuilder::create_set(&mut buf, true)
            .named("+CPMS")
            .with_string_parameter(mem)
            .finish_with(b""),
    );
    Command::new(CommandSpec::prefixed(text, "+CPMS:"))
}

/// `AT+CPMS=?` (27.005 §3.2.2): the memories the modem offers.
pub fn storage_options() -> Command {
    Command::new(CommandSpec::prefixed("AT+CPMS=?", "+CPMS:"))
}

/// The `<mem1>` list of a `+CPMS: ("SM","ME","SR"),(...),(...)` answer (some firmware leaves
/// out the parentheses when it offers one memory per parameter).
pub fn parse_storage_options(lines: &[String]) -> Vec<String> {
    let Some(rest) = lines.iter().find_map(|l| l.strip_prefix("+CPMS:")) else {
        return Vec::new();
    };
    let rest = rest.trim();
    let first = match rest.strip_prefix('(') {
        Some(inner) => inner.split(')').next().unwrap_or_default(),
        None => rest.split(',').next().unwrap_or_default(),
    };
    first
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// `AT+CMGR=<index>` (27.005 §3.4.3, PDU mode): `+CMGR: <stat>,[<alpha>],<length>` then the PDU.
pub fn read_message(index: u32) -> Command {
    let index = i32::try_from(index).unwrap_or(i32::MAX);
    Command::new(CommandSpec::prefixed(set_ints("+CMGR", &[index]), "+CMGR:"))
}

/// `AT+CMGL=4` (27.005 §3.4.2, PDU mode, stat 4 = all): `+CMGL: <index>,<stat>,...` and a
/// PDU line per stored message. A full SIM can take a while to list.
pub fn list_messages() -> Command {
    Command::new(CommandSpec::prefixed(set_ints("+CMGL", &[4]), "+CMGL:"))
        .with_timeout(Duration::from_secs(30))
}

/// `AT+CMGD=<index>` (27.005 §3.5.4).
pub fn delete_message(index: u32) -> Command {
    let index = i32::try_from(index).unwrap_or(i32::MAX);
    Command::new(CommandSpec::plain(set_ints("+CMGD", &[index])))
}

/// The PDU of a `+CMGR` answer.
pub fn parse_read(lines: &[String]) -> Option<String> {
    let at = lines.iter().position(|l| l.starts_with("+CMGR:"))?;
    lines.get(at + 1).cloned()
}

/// (index, PDU) of every message in a `+CMGL` answer.
pub fn parse_list(lines: &[String]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut it = lines.iter().peekable();
    while let Some(line) = it.next() {
        let Some(rest) = line.strip_prefix("+CMGL:") else {
            continue;
        };
        let index = rest.split(',').next().and_then(|i| i.trim().parse().ok());
        let pdu = it.next_if(|l| !l.starts_with("+CMGL:"));
        if let (Some(index), Some(pdu)) = (index, pdu) {
            out.push((index, pdu.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_read_takes_the_lines_of_its_own_name() {
        let c = Command::read_setting("AT+QURCCFG=\"urcport\"");
        assert_eq!(
            c.spec,
            CommandSpec::prefixed("AT+QURCCFG=\"urcport\"", "+QURCCFG:")
        );
        let c = Command::read_setting("AT^CURC?");
        assert_eq!(c.spec, CommandSpec::prefixed("AT^CURC?", "^CURC:"));
    }

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn storage_options_lists_mem1() {
        let cases: &[(&str, &[&str])] = &[
            (
                "+CPMS: (\"SM\",\"ME\",\"MT\",\"SR\"),(\"SM\",\"ME\",\"MT\"),(\"SM\",\"ME\",\"MT\")",
                &["SM", "ME", "MT", "SR"],
            ),
            ("+CPMS: (\"SM\"),(\"SM\"),(\"SM\")", &["SM"]),
            ("+CPMS: \"SM\",\"SM\",\"SM\"", &["SM"]),
            ("+CPMS: ", &[]),
        ];
        for (line, want) in cases {
            assert_eq!(parse_storage_options(&lines(&[line])), *want, "{line}");
        }
        assert!(parse_storage_options(&[]).is_empty());
    }

    #[test]
    fn built_commands() {
        assert_eq!(numeric_errors().spec.text, "AT+CMEE=1");
        assert_eq!(pdu_mode().spec.text, "AT+CMGF=0");
        assert_eq!(send_pdu(23).spec.text, "AT+CMGS=23");
        assert_eq!(
            new_message_indications(&[2, 1, 0, 1, 0]).spec.text,
            "AT+CNMI=2,1,0,1,0"
        );
        assert_eq!(registration(Domain::Eps).spec.text, "AT+CEREG?");
        assert_eq!(supported_indications().spec.text, "AT+CNMI=?");
        assert_eq!(identity(Identity::Imei).spec.text, "AT+CGSN");
        let pin = enter_pin("1234");
        assert_eq!(pin.spec.text, "AT+CPIN=\"1234\"");
        assert!(pin.spec.sensitive);
        assert!(!pin.spec.loggable().contains("1234"));
    }

    #[test]
    fn storage_commands_and_answers() {
        assert_eq!(message_storage("SR").spec.text, "AT+CPMS=\"SR\"");
        assert_eq!(read_message(3).spec.text, "AT+CMGR=3");
        assert_eq!(list_messages().spec.text, "AT+CMGL=4");
        assert_eq!(delete_message(0).spec.text, "AT+CMGD=0");
        let read = lines(&["+CMGR: 0,,24", "07911326040000F0"]);
        assert_eq!(parse_read(&read).as_deref(), Some("07911326040000F0"));
        let list = lines(&[
            "+CMGL: 1,0,,24",
            "0791AA",
            "+CMGL: 4,1,,30",
            "0791BB",
            "+CMGL: 5,1,,30",
        ]);
        assert_eq!(
            parse_list(&list),
            vec![(1, "0791AA".into()), (4, "0791BB".into())]
        );
    }

    #[test]
    fn answers() {
        assert_eq!(parse_signal(&lines(&["+CSQ: 20,99"])), Some(20));
        assert_eq!(rssi_dbm(20), Some(-73));
        assert_eq!(rssi_dbm(99), None);
        assert_eq!(parse_registration(&lines(&["+CREG: 0,1"])), Some(1));
        assert_eq!(
            parse_registration(&lines(&["+CEREG: 2,5,\"1A\",\"2B\",7"])),
            Some(5)
        );
        assert_eq!(parse_message_ref(&lines(&["+CMGS: 255"])), Some(255));
        assert_eq!(parse_message_ref(&lines(&["+CMGS: 300"])), None);
        assert_eq!(
            parse_pin_state(&lines(&["+CPIN: SIM PIN"])),
            Some(PinState::SimPin)
        );
        assert_eq!(
            parse_pin_state(&lines(&["+CPIN: READY"])),
            Some(PinState::Ready)
        );
        assert_eq!(
            parse_operator(&lines(&["+COPS: 0,0,\"Orange F\",7"])),
            Some("Orange F".into())
        );
        assert_eq!(bare_value("+CGMI: Quectel"), "Quectel");
        assert_eq!(bare_value("SIMCOM_Ltd"), "SIMCOM_Ltd");
    }

    #[test]
    fn pin_states() {
        let cases: &[(&str, Option<PinState>)] = &[
            ("+CPIN: READY", Some(PinState::Ready)),
            ("+CPIN: NOT READY", Some(PinState::NotReady)),
            ("+CPIN: \"NOT READY\"", Some(PinState::NotReady)),
            ("+CPIN: SIM PUK", Some(PinState::SimPuk)),
            (
                "+CPIN: PH-SIM PIN",
                Some(PinState::Other("PH-SIM PIN".into())),
            ),
            ("+CSQ: 20,99", None),
        ];
        for (line, want) in cases {
            assert_eq!(&parse_pin_state(&lines(&[line])), want, "{line}");
        }
    }

    #[test]
    fn supported_values_of_a_test_command() {
        let all = |n: u16| (0..=n).collect::<Vec<u16>>();
        let cases: &[(&str, Option<Vec<Vec<u16>>>)] = &[
            // Quectel EC2x, SIMCom SIM800.
            (
                "+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)",
                Some(vec![all(3), all(3), vec![0, 2], all(2), all(1)]),
            ),
            // Huawei lists every value; spaces are allowed.
            (
                "+CNMI: (0,1,2), (0,1,2,3), (0,2), (0,1,2), (0,1)",
                Some(vec![all(2), all(3), vec![0, 2], all(2), all(1)]),
            ),
            // Mixed values and ranges, out of order; bare values; an empty list.
            (
                "+CNMI: (2,0-1),1,(),(0-2),(1)",
                Some(vec![all(2), vec![1], vec![], all(2), vec![1]]),
            ),
            (
                "+CNMI: (0-3),(0-3),(0,2),(0-2)",
                Some(vec![all(3), all(3), vec![0, 2], all(2)]),
            ),
            ("+CNMI: (0-3),(0-3", None),
            ("+CNMI: (0-3)),(0-3)", None),
            ("+CNMI: ((0-3)),(0-3)", None),
            ("+CNMI: (3-0),(0-3)", None),
            ("+CNMI: (0-300),(0-3)", None),
            ("+CNMI: (0,,1),(0-3)", None),
            ("+CNMI: (\"SM\"),(0-3)", None),
            ("+CNMI: (0-3),,(0-3)", None),
            ("+CNMI:", None),
            ("+CMGF: (0,1)", None),
        ];
        for (line, want) in cases {
            assert_eq!(&parse_supported(&lines(&[line]), "+CNMI:"), want, "{line}");
        }
    }

    #[test]
    fn indications_are_chosen_from_what_the_modem_supports() {
        let ranges = |line: &str| parse_supported(&lines(&[line]), "+CNMI:").unwrap();
        let cases: &[(&str, bool, Option<&[i32]>)] = &[
            (
                "+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)",
                true,
                Some(&[2, 1, 0, 1, 0]),
            ),
            (
                "+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)",
                false,
                Some(&[2, 1, 0, 0, 0]),
            ),
            // No mode 2, no +CDS: mode 1 and stored reports (+CDSI).
            (
                "+CNMI: (0,1),(0-3),(0,2),(0,2),(0,1)",
                true,
                Some(&[1, 1, 0, 2, 0]),
            ),
            // No status reports at all: set up without them.
            (
                "+CNMI: (0-2),(0-3),(0),(0),(0,1)",
                true,
                Some(&[2, 1, 0, 0, 0]),
            ),
            // mt 3 when 1 is missing; bfr 1 when 0 is; a modem with four parameters.
            (
                "+CNMI: (2),(0,2,3),(0),(1),(1)",
                true,
                Some(&[2, 3, 0, 1, 1]),
            ),
            ("+CNMI: (0-2),(0-3),(0),(0-2)", true, Some(&[2, 1, 0, 1])),
            // Nothing usable for <mt>, or <mode> 0 only: the fixed fallbacks decide.
            ("+CNMI: (0-2),(0,2),(0),(0-2),(0,1)", true, None),
            ("+CNMI: (0),(0-3),(0),(0-2),(0,1)", true, None),
            ("+CNMI: (0-2),(0-3),(0)", true, None),
        ];
        for (line, reports, want) in cases {
            let got = choose_indications(&ranges(line), *reports);
            assert_eq!(got.as_deref(), *want, "{line} reports={reports}");
        }
        assert!(indications_route_reports(&[2, 1, 0, 1, 0]));
        assert!(indications_route_reports(&[1, 1, 0, 2, 0]));
        assert!(!indications_route_reports(&[2, 1, 0, 0, 0]));
        assert!(!indications_route_reports(&[2, 1, 0]));
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let l = vec![s.clone(), format!("+CSQ:{s}"), format!("+CMGS:{s}"), format!("+CREG:{s}")];
            let _ = parse_signal(&l);
            let _ = parse_message_ref(&l);
            let _ = parse_registration(&l);
            let _ = parse_pin_state(&l);
            let _ = parse_operator(&l);
            let _ = bare_value(&s);
            let _ = parse_supported(&[format!("+CNMI:{s}")], "+CNMI:")
                .and_then(|v| choose_indications(&v, true));
        }
    }
}
