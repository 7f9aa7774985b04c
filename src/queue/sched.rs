//! Dispatch order, in memory: OTPs before anything else, oldest first, backoff respected, and
//! routing by destination prefix.
//!
//! Messages are grouped by route: group 0 holds the messages no configured prefix matches,
//! and each prefix has its group (the longest matching prefix wins). Within a group, `ready`
//! is ordered by (priority, id) — ids grow with time, so this is "oldest first". Messages in
//! backoff wait in `delayed`, ordered by due time. A modem takes the best message among the
//! heads of the groups it serves (its own prefixes and group 0), and the head of any other
//! group that has waited longer than the fallback: routes are preferences, and a routed OTP
//! never waits for a dead modem. Rebuilt from sled at start.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// A group index; 0 is "no route".
pub type GroupId = u16;

#[derive(Default)]
struct Group {
    ready: BTreeSet<(u8, u64)>,
    /// When each ready message became ready (unix ms), for the fallback.
    since: HashMap<u64, u64>,
}

/// What one modem may take.
#[derive(Debug, Clone, Default)]
pub struct Wants {
    /// The route groups it serves first (besides group 0).
    pub own: Vec<GroupId>,
    /// It can place voice calls (it has a voice backend).
    pub voice: bool,
}

/// The group of voice OTPs: only modems with a voice backend take them, routes aside.
const VOICE: GroupId = GroupId::MAX;

pub(crate) struct Schedule {
    /// (prefix, group), longest prefix first.
    prefixes: Vec<(String, GroupId)>,
    groups: Vec<Group>,
    voice: Group,
    delayed: BTreeSet<(u64, u8, u64, GroupId)>,
    /// A routed message waits this long for one of its modems before any modem may take it.
    fallback_ms: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Self::new(&[], Duration::from_secs(10))
    }
}

impl Schedule {
    /// A schedule for these route prefixes (e.g. `+3361`).
    pub(crate) fn new(prefixes: &[String], fallback: Duration) -> Self {
        let mut unique: Vec<String> = prefixes.to_vec();
        unique.sort();
        unique.dedup();
        let mut prefixes: Vec<(String, GroupId)> = unique
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, GroupId::try_from(i + 1).unwrap_or(GroupId::MAX)))
            .collect();
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        let groups = (0..=prefixes.len()).map(|_| Group::default()).collect();
        Self {
            prefixes,
            groups,
            voice: Group::default(),
            delayed: BTreeSet::new(),
            fallback_ms: u64::try_from(fallback.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The group of a route prefix, if configured.
    pub(crate) fn group_of_prefix(&self, prefix: &str) -> Option<GroupId> {
        self.prefixes
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, g)| *g)
    }

    /// The group a destination belongs to.
    pub(crate) fn group_of(&self, to: &str) -> GroupId {
        self.prefixes
            .iter()
            .find(|(p, _)| to.starts_with(p.as_str()))
            .map_or(0, |(_, g)| *g)
    }

    pub(crate) fn insert(
        &mut self,
        priority: u8,
        id: u64,
        to: &str,
        call: bool,
        due_ms: u64,
        now_ms: u64,
    ) {
        let group = if call { VOICE } else { self.group_of(to) };
        if due_ms <= now_ms {
            self.make_ready(group, priority, id, now_ms);
        } else {
            self.delayed.insert((due_ms, priority, id, group));
        }
    }

    fn make_ready(&mut self, group: GroupId, priority: u8, id: u64, now_ms: u64) {
        if group == VOICE {
            self.voice.ready.insert((priority, id));
            return;
        }
        if let Some(g) = self.groups.get_mut(usize::from(group)) {
            g.ready.insert((priority, id));
            if group != 0 {
                g.since.insert(id, now_ms);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.groups.iter().map(|g| g.ready.len()).sum::<usize>()
            + self.voice.ready.len()
            + self.delayed.len()
    }

    /// Waiting messages as (SMS, voice calls). Walks the delayed set: small (messages in
    /// backoff), and read only by a metrics scrape.
    pub(crate) fn depth_by_channel(&self) -> (usize, usize) {
        let delayed_voice = self.delayed.iter().filter(|d| d.3 == VOICE).count();
        let voice = self.voice.ready.len() + delayed_voice;
        (self.len() - voice, voice)
    }

    /// Messages `wants` could take right now.
    pub(crate) fn ready_for(&self, wants: &Wants) -> usize {
        self.groups
            .iter()
            .enumerate()
            .filter(|(i, _)| *i == 0 || wants.own.iter().any(|g| usize::from(*g) == *i))
            .map(|(_, g)| g.ready.len())
            .sum::<usize>()
            + if wants.voice {
                self.voice.ready.len()
            } else {
                0
            }
    }

    /// The next id `wants` may take now, or how long until something may change.
    pub(crate) fn pop_due(
        &mut self,
        now_ms: u64,
        wants: &Wants,
    ) -> (Option<u64>, Option<Duration>) {
        while let Some(&(due, priority, id, group)) = self.delayed.first() {
            if due > now_ms {
                break;
            }
            self.delayed.pop_first();
            self.make_ready(group, priority, id, now_ms);
        }
        let mut best: Option<((u8, u64), usize)> = None;
        let mut next_fallback: Option<u64> = None;
        for (i, g) in self.groups.iter().enumerate() {
            let Some(&head) = g.ready.first() else {
                continue;
            };
            let own = i == 0 || wants.own.iter().any(|x| usize::from(*x) == i);
            if !own {
                let since = g.since.get(&head.1).copied().unwrap_or(now_ms);
                let at = since.saturating_add(self.fallback_ms);
                if at > now_ms {
                    next_fallback = Some(next_fallback.map_or(at, |n| n.min(at)));
                    continue;
                }
            }
            if best.is_none_or(|(b, _)| head < b) {
                best = Some((head, i));
            }
        }
        if wants.voice {
            if let Some(&head) = self.voice.ready.first() {
                if best.is_none_or(|(b, _)| head < b) {
                    best = Some((head, usize::from(VOICE)));
                }
            }
        }
        if let Some((entry, i)) = best {
            if i == usize::from(VOICE) {
                self.voice.ready.remove(&entry);
                return (Some(entry.1), None);
            }
            if let Some(g) = self.groups.get_mut(i) {
                g.ready.remove(&entry);
                g.since.remove(&entry.1);
            }
            return (Some(entry.1), None);
        }
        let next_due = self.delayed.first().map(|&(due, ..)| due);
        let wake = [next_due, next_fallback].into_iter().flatten().min();
        (
            None,
            wake.map(|t| Duration::from_millis(t.saturating_sub(now_ms))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any() -> Wants {
        Wants::default()
    }

    #[test]
    fn priority_then_age_then_backoff() {
        let mut s = Schedule::default();
        s.insert(5, 1, "+331", false, 0, 100);
        s.insert(0, 3, "+331", false, 0, 100);
        s.insert(0, 2, "+331", false, 0, 100);
        s.insert(0, 4, "+331", false, 150, 100);
        assert_eq!(s.pop_due(100, &any()).0, Some(2));
        assert_eq!(s.pop_due(100, &any()).0, Some(3));
        assert_eq!(s.pop_due(100, &any()).0, Some(1));
        assert_eq!(
            s.pop_due(100, &any()),
            (None, Some(Duration::from_millis(50)))
        );
        assert_eq!(s.pop_due(150, &any()).0, Some(4));
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn routes_are_preferences_with_a_fallback() {
        let prefixes = vec!["+3361".to_string(), "+33612".to_string(), "+32".to_string()];
        let mut s = Schedule::new(&prefixes, Duration::from_millis(1000));
        let orange = Wants {
            own: vec![s.group_of_prefix("+3361").unwrap()],
            voice: false,
        };
        let general = any();
        assert_eq!(
            s.group_of("+33612345678"),
            s.group_of_prefix("+33612").unwrap()
        );
        s.insert(0, 1, "+33611111111", false, 0, 0); // +3361
        s.insert(0, 2, "+32470000000", false, 0, 0); // +32
        s.insert(5, 3, "+44700000000", false, 0, 0); // no route
                                                     // The general modem takes the unrouted message and waits for the routed ones.
        assert_eq!(s.pop_due(10, &general).0, Some(3));
        let (none, wait) = s.pop_due(10, &general);
        assert_eq!((none, wait), (None, Some(Duration::from_millis(990))));
        // The routed modem takes its own at once.
        assert_eq!(s.pop_due(10, &orange).0, Some(1));
        assert_eq!(s.ready_for(&orange), 0);
        // After the fallback the +32 message goes out through anyone.
        assert_eq!(s.pop_due(1000, &general).0, Some(2));
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn calls_go_only_to_voice_modems() {
        let mut s = Schedule::default();
        s.insert(0, 1, "+33611111111", true, 0, 0);
        s.insert(5, 2, "+33611111111", false, 0, 0);
        let sms_only = any();
        let voice = Wants {
            own: vec![],
            voice: true,
        };
        assert_eq!(s.pop_due(0, &sms_only).0, Some(2));
        assert_eq!(s.pop_due(0, &sms_only), (None, None));
        assert_eq!(s.ready_for(&voice), 1);
        assert_eq!(s.pop_due(0, &voice).0, Some(1));
    }
}
