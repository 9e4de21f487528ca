//! Waiting lists that manage themselves (docs/ODD.md, 7.16): a unit with a `WaitingList`
//! policy turns away more referrals below its highest tier as its wait grows, and families
//! who have waited longer than their patience leave the list. Either way the need is then met
//! elsewhere or passes (closed), or stays unmet with nobody holding it, to come back to a
//! front door if it gets worse.
//!
//! Every random number here comes from the family episode's own `Purpose::WaitingList`
//! stream, drawn in a fixed layout, so the same family has the same patience and the same
//! luck at every door in every model (common random numbers), and no other stream moves.

use super::{Closure, Event, NeedState, Sim, bits};
use crate::model::{MAX_NEEDS, N_TIERS, WaitingList};
use crate::rng;
use rand::RngExt;

/// A family episode's waiting-list draws, in the order they come off its stream (one stream
/// per episode and return to a front door) after the first, the family's patience in units of
/// the unit's mean patience (Exp(1)), the same for every list the family joins in this episode
/// until it comes back after nobody held it: a trait of the family, not of the list
/// (`Sim::start_patience`, which makes that draw alone).
struct Draws {
    /// Per need: compared with the chance of being turned away (a uniform number, so a
    /// longer list turns away the same families and more, as `support_for_schools` does).
    turn_away: [f64; MAX_NEEDS],
    /// Per need: compared with `met_elsewhere_probability`.
    met_elsewhere: [f64; MAX_NEEDS],
}

impl Sim<'_> {
    /// The stream of a family episode's waiting-list draws.
    fn waiting_list_stream(&self, episode: u32) -> rng::Generator {
        let e = &self.episodes[episode as usize];
        // A family that comes back after nobody held it tries again with fresh draws: one
        // short patience must not make it give up every time it returns.
        let key = rng::mix64(rng::mix64(e.family_id) ^ u64::from(e.n_episode)) ^ u64::from(e.n_returns);
        rng::keyed_stream(self.waiting_list_stream_key, key)
    }

    fn waiting_list_draws(&self, episode: u32) -> Draws {
        let mut stream = self.waiting_list_stream(episode);
        // The patience, read only by `start_patience`, comes first.
        let _patience_exp1 = rng::exp1(&mut stream);
        let mut draws = Draws { turn_away: [0.0; MAX_NEEDS], met_elsewhere: [0.0; MAX_NEEDS] };
        for need in 0..MAX_NEEDS {
            draws.turn_away[need] = stream.random();
            draws.met_elsewhere[need] = stream.random();
        }
        draws
    }

    /// A need has just joined unit copy `at`'s list (with `token`): if families there give
    /// up, schedule the day this family's patience runs out. Each step on the list (waiting
    /// for an assessment, then for allocation or a practitioner) has its own patience clock.
    pub(super) fn start_patience(&mut self, episode: u32, need: u8, token: u32, at: u32) {
        let patience_days_mean = self.patience_days_mean_by_instance[at as usize];
        if !patience_days_mean.is_finite() {
            return;
        }
        // The patience is the stream's first draw (`Draws::patience_exp1`); the stream is the
        // episode's own and thrown away, so the draws after it need not be made here.
        let patience_exp1 = rng::exp1(&mut self.waiting_list_stream(episode));
        let day = self.queue.now_day() + patience_exp1 * patience_days_mean;
        // Nothing happens after the horizon, so nothing is scheduled there to fill the heap.
        if day <= self.scenario.run.horizon_days {
            let serial = self.episodes[episode as usize].tags.serial;
            self.queue.schedule(day, Event::LeavesList { episode, serial, need, token });
        }
    }

    /// How long the longest-waiting family at a unit copy has waited for a practitioner (or
    /// for allocation): what a service watches when it decides to raise its threshold. Stale
    /// entries at the front of the queues (needs that moved on) are dropped on the way, as
    /// `pull_work` would drop them, which changes nothing else.
    fn longest_wait_days(&mut self, now: f64, unit_instance: u32) -> f64 {
        let mut since = now;
        // Each lane of cases waiting for a practitioner (one first come first served, one a
        // tier under `HighestTierFirst`) is longest-waiting first, and so is the panel's list.
        const PANEL: usize = N_TIERS;
        for queue_idx in 0..=PANEL {
            loop {
                let instance = &self.instances[unit_instance as usize];
                let queue = if queue_idx == PANEL { &instance.panel } else { instance.lane(queue_idx) };
                let Some(&front) = queue.front() else { break };
                if self.item_is_live(&front, unit_instance) {
                    since = since.min(front.since_day);
                    break;
                }
                let instance = &mut self.instances[unit_instance as usize];
                if queue_idx == PANEL {
                    instance.panel.pop_front();
                } else {
                    instance.remove_from_lane(queue_idx, 0);
                }
            }
        }
        now - since
    }

    /// Referrals arriving at a unit copy with a waiting-list policy: those below the unit's
    /// highest tier for their domain are turned away with a chance that rises with the wait
    /// (the threshold tightens); urgent ones, at the highest tier, always get on. Returns the
    /// needs still arriving; the episode may have closed when it returns none.
    pub(super) fn turn_away_for_list(&mut self, now: f64, episode: u32, needs: u8, unit_instance: u32, list: &WaitingList) -> u8 {
        if !list.turns_away() {
            return needs;
        }
        let probability = list.turn_away_probability(self.longest_wait_days(now, unit_instance));
        if probability <= 0.0 {
            return needs;
        }
        let unit_idx = self.instances[unit_instance as usize].unit_idx;
        let unit = &self.model.units[unit_idx];
        let draws = self.waiting_list_draws(episode);
        let measured = now >= self.scenario.run.warmup_days;
        let serial = self.episodes[episode as usize].tags.serial;
        let mut kept = needs;
        for need in bits(needs) {
            if self.episodes[episode as usize].tags.serial != serial {
                // Turning the last open need away closed the episode.
                break;
            }
            let n = &self.episodes[episode as usize].needs[need as usize];
            let tier = n.presented_tier();
            // Needs the unit does not take at all go through triage at the door as before.
            if !unit.accepts(n.domain, tier) || tier >= unit.highest_tier(n.domain) || draws.turn_away[need as usize] >= probability {
                continue;
            }
            kept &= !(1 << need);
            if measured {
                let stats = &mut self.unit_stats[unit_idx];
                stats.needs_turned_away_for_list += 1;
                // A unit takes only needs in its own domains.
                stats.own_domain_needs_turned_away += 1;
            }
            self.off_the_list(now, episode, need, unit_idx, &draws, list);
        }
        kept
    }

    /// A family's patience with a list ran out: it leaves, unless it is being assessed right
    /// now (then it is no longer waiting, and the next step starts its patience again).
    pub(super) fn leaves_list(&mut self, now: f64, episode: u32, need: u8) {
        let e = &self.episodes[episode as usize];
        let state = e.needs[need as usize].state;
        let at = state.listed_at().expect("a patience clock runs only while the need is on a list (its token says it is)");
        let unit_idx = self.instances[at as usize].unit_idx;
        if matches!(state, NeedState::AwaitingAssessment { .. }) && e.assessed_units.contains(&(unit_idx as u16)) {
            return;
        }
        let list = self.model.units[unit_idx].waiting_list.expect("only units with a waiting list start patience clocks");
        if now >= self.scenario.run.warmup_days {
            self.unit_stats[unit_idx].needs_left_list += 1;
        }
        let draws = self.waiting_list_draws(episode);
        self.off_the_list(now, episode, need, unit_idx, &draws, &list);
    }

    /// Where a need turned away or taken off a list goes: met elsewhere or passed (closed),
    /// or nowhere, unmet and untreated (its untreated clock runs on, so it escalates or
    /// resolves as it would have on the list, and comes back to a front door if it escalates).
    fn off_the_list(&mut self, now: f64, episode: u32, need: u8, unit_idx: usize, draws: &Draws, list: &WaitingList) {
        if draws.met_elsewhere[need as usize] < list.met_elsewhere_probability {
            if now >= self.scenario.run.warmup_days {
                self.unit_stats[unit_idx].needs_met_elsewhere += 1;
            }
            self.close_need(now, episode, need, Closure::MetElsewhere);
        } else {
            self.set_state(episode, need, NeedState::Lost);
            self.come_back_if_stuck(now, episode, need);
        }
    }
}
