//! Things that change over the years rather than case by case: staff leaving and joining,
//! relationships fading and growing, joint training, hidden need surfacing, and new units
//! opening in a restructure.

use super::{Event, Sim};
use crate::model::UnitKind;
use crate::{math, rng};

const WEEK_DAYS: f64 = 7.0;

/// The share of trust above its starting level that a practitioner keeps over a week, in a
/// calm unit (halving every `half_life_days`) and in an overloaded one (eroded
/// `overload_erosion_factor` times as fast).
pub(super) fn week_keep(collaboration: &crate::model::Collaboration) -> (f64, f64) {
    let calm_keep = math::exp(-WEEK_DAYS * std::f64::consts::LN_2 / collaboration.half_life_days);
    (calm_keep, math::powf(calm_keep, collaboration.overload_erosion_factor))
}

impl Sim<'_> {
    /// Schedules the events that drive these dynamics at the start of a replication.
    pub(super) fn start_dynamics(&mut self) {
        let horizon = self.scenario.run.horizon_days;
        for practitioner in 0..self.practitioners.len() as u32 {
            self.schedule_leaving(0.0, practitioner);
        }
        if WEEK_DAYS <= horizon {
            self.queue.schedule(WEEK_DAYS, Event::RelationshipWeek);
        }
        let interval = self.model.collaboration.joint_training_interval_days;
        if interval <= horizon && self.model.units.iter().any(|u| trains_jointly(u.kind)) {
            self.queue.schedule(interval, Event::JointTraining);
        }
        if self.hidden_new_per_day > 0.0 {
            let gap = rng::exp1(&mut self.hidden_rng);
            self.queue.schedule(gap / self.hidden_new_per_day, Event::HiddenNeedArises);
        }
        self.schedule_hidden_presentation(0.0);
        for (unit_idx, unit) in self.model.units.iter().enumerate() {
            if unit.starts_on_day > 0.0 && unit.starts_on_day <= horizon {
                self.queue.schedule(unit.starts_on_day, Event::UnitOpens { unit_idx: unit_idx as u32 });
            }
        }
    }

    pub(super) fn schedule_leaving(&mut self, now: f64, practitioner: u32) {
        let rate = self.scenario.workforce.turnover_per_day * self.model.collaboration.turnover_factor;
        if rate > 0.0 {
            let gap = rng::exp1(&mut self.staff_rng);
            let day = now + gap / rate;
            if day <= self.scenario.run.horizon_days {
                self.queue.schedule(day, Event::Leaves { practitioner });
            }
        }
    }

    /// A practitioner leaves. Their open cases are covered by colleagues (not modelled as a
    /// transfer), but the post takes no new work until it is filled, and the newcomer starts
    /// with no relationships.
    #[cold]
    pub(super) fn leaves(&mut self, now: f64, practitioner: u32) {
        self.relationships.reset(practitioner);
        let vacancy = self.scenario.workforce.vacancy_days_mean * self.model.collaboration.vacancy_factor;
        let gap = rng::exp1(&mut self.staff_rng);
        self.practitioners[practitioner as usize].available = false;
        self.practitioner_changed(practitioner);
        self.queue.schedule(now + gap * vacancy, Event::PostFilled { practitioner, replaces_leaver: true });
    }

    /// Weekly: every practitioner's trust fades towards its starting level (faster in an
    /// overloaded unit), and grows towards the agencies they share a base with.
    #[cold]
    pub(super) fn relationship_week(&mut self, now: f64) {
        let collaboration = &self.model.collaboration;
        let workforce = &self.scenario.workforce;
        let (calm_keep, strained_keep) = (self.week_keep_calm, self.week_keep_strained);
        for idx in 0..self.instances.len() {
            let instance = &self.instances[idx];
            let unit = &self.model.units[instance.unit_idx];
            if !self.active[instance.unit_idx] {
                continue;
            }
            let slots = instance.total_slots.max(1);
            let overloaded = f64::from(instance.busy_slots) / f64::from(slots) > workforce.overload_threshold;
            let keep = if overloaded { strained_keep } else { calm_keep };
            let co_located = unit.kind.warm_handoffs();
            let agencies = self.instance_agencies[idx];
            // All the copy's practitioners fade, then those co-located gain: a gain touches
            // only its own practitioner's values, each after their fade, as when each
            // practitioner faded and gained in turn.
            self.relationships.fade(instance.practitioners.clone(), keep);
            if co_located {
                self.relationships.gain_all(instance.practitioners.clone(), agencies, collaboration.gain_per_week_co_located);
            }
        }
        let next = now + WEEK_DAYS;
        if next <= self.scenario.run.horizon_days {
            self.queue.schedule(next, Event::RelationshipWeek);
        }
    }

    /// Joint training brings every agency in a team or hub together (seed paper §7: "one of
    /// the most important things in making multi-agency working a success").
    #[cold]
    pub(super) fn joint_training(&mut self, now: f64) {
        let gain = self.model.collaboration.gain_per_joint_training;
        for idx in 0..self.instances.len() {
            let unit_idx = self.instances[idx].unit_idx;
            if !self.active[unit_idx] || !trains_jointly(self.model.units[unit_idx].kind) {
                continue;
            }
            self.relationships.gain_all(self.instances[idx].practitioners.clone(), self.instance_agencies[idx], gain);
        }
        let next = now + self.model.collaboration.joint_training_interval_days;
        if next <= self.scenario.run.horizon_days {
            self.queue.schedule(next, Event::JointTraining);
        }
    }

    /// Draws the next presentation from the hidden-need pool at the current pool size; any
    /// earlier draw becomes stale (the rate changed).
    pub(super) fn schedule_hidden_presentation(&mut self, now: f64) {
        self.hidden_generation += 1;
        let rate =
            self.hidden_pool as f64 * self.model.access_ease * self.scenario.population.hidden_need.presentations_per_day_at_full_access;
        if rate > 0.0 {
            let gap = rng::exp1(&mut self.hidden_rng);
            let day = now + gap / rate;
            if day <= self.scenario.run.horizon_days {
                self.queue.schedule(day, Event::HiddenNeedPresents { generation: self.hidden_generation });
            }
        }
    }

    /// A restructure's new unit opens: its staff start with fresh relationships, and a share
    /// of them are still being recruited or building the team for a while (seed paper §3 ii:
    /// "time and resource needs to be set aside for team building").
    #[cold]
    pub(super) fn unit_opens(&mut self, now: f64, unit_idx: usize) {
        self.active[unit_idx] = true;
        self.build_routes();
        let unit = &self.model.units[unit_idx];
        let collaboration = &self.model.collaboration;
        let disruption_days = unit.disruption_days * collaboration.disruption_days_factor;
        let loss_share = unit.capacity_loss_share * collaboration.capacity_loss_factor;
        for idx in 0..self.instances.len() {
            if self.instances[idx].unit_idx != unit_idx {
                continue;
            }
            self.capacity_change(now, idx, 1.0);
            let members: Vec<u32> = self.instances[idx].practitioners.clone().collect();
            let n_late = (members.len() as f64 * loss_share).round() as usize;
            for (i, &practitioner) in members.iter().enumerate() {
                self.relationships.reset(practitioner);
                if i < n_late && disruption_days > 0.0 {
                    self.practitioners[practitioner as usize].available = false;
                    self.practitioner_changed(practitioner);
                    // Recruits arrive spread over the disruption period.
                    let day = now + disruption_days * (i + 1) as f64 / n_late as f64;
                    self.queue.schedule(day, Event::PostFilled { practitioner, replaces_leaver: false });
                }
            }
        }
    }

    /// Adds (`sign` 1) or removes (`sign` -1) a unit instance's staff from the capacity that
    /// utilisation, coordination share and cost are measured against.
    pub(super) fn capacity_change(&mut self, now: f64, instance_idx: usize, sign: f64) {
        let professions = &self.scenario.workforce.professions;
        let (mut hours, mut cost) = (0.0, 0.0);
        for p in self.instances[instance_idx].practitioners.clone() {
            let profession = &professions[self.practitioners[p as usize].profession_idx as usize];
            hours += profession.hours_per_week;
            cost += profession.cost_per_year_gbp;
        }
        let slots = f64::from(self.instances[instance_idx].total_slots);
        self.record.capacity_change(now, sign * slots, sign * hours, sign * cost);
        let instance = &mut self.instances[instance_idx];
        if sign > 0.0 {
            instance.open_day = now;
        } else {
            instance.close_day = now;
        }
    }

    /// Trust between the practitioner who last worked with a family (or, before anyone has,
    /// the referring unit's staff on average) and the agency of the unit receiving it, with
    /// the bonus for links between localities and the centre.
    pub(super) fn referral_trust(&self, episode: u32, from: u32, to: u32) -> f64 {
        let to_unit = self.instances[to as usize].unit_idx;
        let agency = self.unit_agency[to_unit];
        let from_instance = &self.instances[from as usize];
        let last = self.episodes[episode as usize].professionals.last().copied();
        let trust = match last {
            Some(p) if self.practitioners[p as usize].unit_instance == from => self.relationships.trust(p, agency),
            _ => {
                let members = from_instance.practitioners.clone();
                let n = members.len().max(1) as f64;
                members.map(|p| self.relationships.trust(p, agency)).sum::<f64>() / n
            }
        };
        let from_scope = self.model.units[from_instance.unit_idx].scope;
        let bonus = if from_scope != self.model.units[to_unit].scope { self.model.collaboration.centre_trust_bonus } else { 0.0 };
        (trust + bonus).min(1.0)
    }

    /// Cross-agency trust over all practitioners in running units, as a sum and a count
    /// (the monthly series is their ratio).
    pub(super) fn trust_totals(&self) -> (f64, u64) {
        let running = (0..self.practitioners.len() as u32)
            .filter(|&p| self.active[self.instances[self.practitioners[p as usize].unit_instance as usize].unit_idx]);
        self.relationships.cross_agency_totals(running, self.model_agencies)
    }
}

fn trains_jointly(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Team { .. } | UnitKind::Hub)
}

/// Indices of the set bits of a mask (agencies; domains), lowest first.
pub(super) fn bits32(mask: u32) -> impl Iterator<Item = usize> {
    let mut rest = mask;
    std::iter::from_fn(move || {
        let bit = (rest != 0).then(|| rest.trailing_zeros() as usize)?;
        rest &= rest - 1;
        Some(bit)
    })
}
