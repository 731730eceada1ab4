//! A persistent population of accounts whose logins are simulated day by day over the whole
//! period, so that every monthly export is a view of the same history.
//!
//! Why simulate rather than draw each month's figures: the indicators are rolling windows
//! (365 days, 12 months), so a month's share depends on the eleven months before it. Drawing
//! shares independently would give trends no real region has and forecasts ("who drops out
//! next month") that never come true. Here an export at date D simply lists every account
//! registered by D with its last login on or before D, exactly what a platform would.

use std::ops::Range;

use fastrand::Rng;
use jiff::civil::Date;
use tsos_domain::dates::months_before;
use tsos_domain::{ActiveRule, Catalogue, Role, RoleMap};

use crate::region::{Region, School};

/// Days since the start of the simulated period.
pub(crate) type Day = u16;

/// Late exports are taken up to this many days after their date.
const MAX_LAG_DAYS: Day = 4;

/// The days of the simulated period, for converting without date arithmetic in hot loops.
pub(crate) struct Calendar {
    dates: Vec<Date>,
}

impl Calendar {
    fn new(first: Date, last: Date) -> Calendar {
        let mut dates = vec![first];
        let mut day = first;
        while day < last {
            day = day
                .tomorrow()
                .expect("simulated period is within jiff's range");
            dates.push(day);
        }
        assert!(dates.len() <= usize::from(Day::MAX), "period too long");
        Calendar { dates }
    }

    pub fn date(&self, day: Day) -> Date {
        self.dates[usize::from(day)]
    }

    fn day(&self, date: Date) -> Day {
        Day::try_from((date - self.dates[0]).get_days()).expect("date inside the period")
    }

    fn last_day(&self) -> Day {
        (self.dates.len() - 1) as Day
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    MySchool,
    Sferum,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::MySchool, Service::Sferum];

    /// The platform code of the catalogue and of `tsos import`.
    pub fn code(self) -> &'static str {
        match self {
            Service::MySchool => "myschool",
            Service::Sferum => "sferum",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The active-user rule of the built-in catalogue: the demo must agree with what tsos
    /// computes, so it does not restate the rule.
    fn rule(self) -> ActiveRule {
        Catalogue::builtin()
            .get(self.code())
            .expect("built-in platform")
            .rule
    }
}

/// What an account is in an export: a member of the school in one of the monitored roles,
/// or a school administrator (counted as "other" by tsos).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Member(Role),
    Admin,
}

/// How a person uses a platform once they have an account.
#[derive(Clone, Copy)]
enum Habit {
    /// Logs in every few days or weeks, maybe stopping at some point.
    Regular,
    /// Logged in once or a few times after registering and never again.
    Tried,
    /// Registered (often in bulk by the school) and never logged in.
    Dormant,
}

pub(crate) struct Account {
    pub id: u64,
    /// Index into `Region::schools`.
    pub school: usize,
    pub kind: Kind,
    /// Seed of the person's name.
    pub person: u64,
    registered: Day,
    /// My School: the day the account was confirmed, if it ever was.
    confirmed: Option<Day>,
    /// Some exports leave «Подтвержденная УЗ» empty instead of «Нет» for this account.
    pub blank_when_unconfirmed: bool,
    logins: Range<u32>,
}

/// What happened to an account over the period, before it is stored.
struct History {
    registered: Day,
    confirmed: Option<Day>,
    /// Sorted.
    logins: Vec<Day>,
}

/// How one role uses one platform at an ordinary school.
struct Profile {
    /// Accounts per head of the contingent by the end of the period (parents: per student).
    registered: f64,
    /// Of the accounts: regular users and those who only tried; the rest stay dormant.
    regular: f64,
    tried: f64,
    /// Share of the accounts that exist before the first monthly date; the others appear
    /// during the monitored months.
    early: f64,
    /// Below 1 the later registrations bunch towards the end (students came to My School
    /// only in the 2023/24 school year).
    late_shape: f64,
    /// A regular user's mean days between logins is drawn log-uniformly from this range.
    gap_days: (f64, f64),
    /// Chance that a regular user stops at some random day.
    lapse: f64,
    /// My School: chance of a confirmed account for regular, tried and dormant users.
    confirm: [f64; 3],
}

/// Sferum has no account confirmation.
const NO_CONFIRMATION: [f64; 3] = [0.0; 3];

/// Calibrated so that the region lands near the letter's figures at 01.10.2023: My School
/// teachers ≈ 80 %, students a few per cent; Sferum teachers ≈ 50 %, students ≈ 13 %.
/// `None` for staff: the demo's registry gives no staff headcount, so the letter's
/// exports have no staff accounts.
fn profile(service: Service, role: Role) -> Option<Profile> {
    Some(match (service, role) {
        (_, Role::Staff) => return None,
        (Service::MySchool, Role::Teachers) => Profile {
            // Schools registered their teachers in bulk.
            registered: 1.0,
            regular: 0.93,
            tried: 0.04,
            early: 0.85,
            late_shape: 1.0,
            gap_days: (3.0, 30.0),
            lapse: 0.05,
            confirm: [0.97, 0.7, 0.4],
        },
        (Service::MySchool, Role::Students) => Profile {
            registered: 0.13,
            regular: 0.35,
            tried: 0.2,
            early: 0.05,
            late_shape: 0.6,
            gap_days: (7.0, 60.0),
            lapse: 0.25,
            confirm: [0.75, 0.4, 0.2],
        },
        (Service::MySchool, Role::Parents) => Profile {
            registered: 0.12,
            regular: 0.4,
            tried: 0.25,
            early: 0.25,
            late_shape: 1.0,
            gap_days: (10.0, 90.0),
            lapse: 0.2,
            confirm: [0.9, 0.7, 0.5],
        },
        (Service::Sferum, Role::Teachers) => Profile {
            registered: 0.88,
            regular: 0.6,
            tried: 0.08,
            early: 0.8,
            late_shape: 1.0,
            gap_days: (2.0, 40.0),
            lapse: 0.15,
            confirm: NO_CONFIRMATION,
        },
        (Service::Sferum, Role::Students) => Profile {
            registered: 0.225,
            regular: 0.6,
            tried: 0.12,
            early: 0.75,
            late_shape: 1.0,
            gap_days: (3.0, 60.0),
            lapse: 0.25,
            confirm: NO_CONFIRMATION,
        },
        (Service::Sferum, Role::Parents) => Profile {
            registered: 0.06,
            regular: 0.5,
            tried: 0.2,
            early: 0.7,
            late_shape: 1.0,
            gap_days: (5.0, 60.0),
            lapse: 0.2,
            confirm: NO_CONFIRMATION,
        },
    })
}

/// How seriously a school takes a platform. Real schools differ a lot: most are close to
/// the regional level, some lag far behind, a few have everyone on board.
#[derive(Clone, Copy)]
enum Stance {
    Lagging,
    Ordinary,
    Leading,
}

pub(crate) struct Simulation {
    calendar: Calendar,
    /// The monthly dates, as days.
    monthly: Vec<Day>,
    accounts: [Vec<Account>; 2],
    /// Login days of all accounts, each account's sorted run addressed by `Account::logins`.
    logins: Vec<Day>,
    /// Organisations simulated, registry or not: the length of per-school results.
    schools: usize,
    seed: u64,
}

impl Simulation {
    /// Simulates every school of `region` from a year before the first monthly date (so the
    /// first windows are full) to a few days after the last one (late exports).
    pub fn new(region: &Region, monthly: &[Date], seed: u64) -> Simulation {
        let first = *monthly.first().expect("at least one monthly date");
        let last = *monthly.last().expect("at least one monthly date");
        let start = months_before(first, 13);
        let end = last
            .checked_add(jiff::Span::new().days(i64::from(MAX_LAG_DAYS) + 2))
            .expect("end of the simulated period");
        let calendar = Calendar::new(start, end);
        let monthly: Vec<Day> = monthly.iter().map(|&d| calendar.day(d)).collect();
        let mut sim = Simulation {
            calendar,
            monthly,
            accounts: [Vec::new(), Vec::new()],
            logins: Vec::new(),
            schools: region.schools.len(),
            seed,
        };
        let mut rng = Rng::with_seed(seed);
        let municipality_mood: Vec<f64> = region
            .municipalities
            .iter()
            .map(|_| 0.88 + 0.24 * rng.f64())
            .collect();
        // Exact proportions, shuffled: with a few hundred schools, drawing each stance
        // independently would move the regional level by several points from seed to seed.
        let count = region.schools.len();
        let mut stances: Vec<Stance> = (0..count)
            .map(|i| match i * 100 / count {
                0..=14 => Stance::Lagging,
                15..=93 => Stance::Ordinary,
                _ => Stance::Leading,
            })
            .collect();
        rng.shuffle(&mut stances);
        for (index, (school, &stance)) in region.schools.iter().zip(&stances).enumerate() {
            let mood = municipality_mood[school.municipality];
            for service in Service::ALL {
                // A school's engagement differs by platform, around the school's stance.
                let engagement = match stance {
                    Stance::Lagging => 0.3 + 0.45 * rng.f64(),
                    Stance::Ordinary => mood * (0.85 + 0.3 * (rng.f64() + rng.f64()) / 2.0),
                    Stance::Leading => 1.0,
                };
                sim.populate_school(&mut rng, service, index, school, stance, engagement);
            }
        }
        sim
    }

    fn populate_school(
        &mut self,
        rng: &mut Rng,
        service: Service,
        index: usize,
        school: &School,
        stance: Stance,
        engagement: f64,
    ) {
        // Every school has an administrator or two who set it up before anyone else.
        let admins = match service {
            Service::MySchool => 1 + usize::from(rng.bool()),
            Service::Sferum => 1,
        };
        for _ in 0..admins {
            let registered = rng.u16(0..=self.monthly[0] / 2);
            let logins = self.regular_logins(rng, registered, (2.0, 10.0), 0.0);
            let history = History {
                registered,
                confirmed: Some(registered),
                logins,
            };
            self.push_account(rng, service, index, Kind::Admin, history);
        }
        for role in Role::ALL {
            let Some(mut profile) = profile(service, role) else {
                continue;
            };
            match (stance, role) {
                // Leading schools have every teacher registered and working.
                (Stance::Leading, Role::Teachers) => {
                    profile.registered = 1.0;
                    profile.regular = 0.97;
                    profile.tried = 0.03;
                    profile.lapse = 0.0;
                    profile.confirm = [1.0; 3];
                }
                // … and twice the usual share of students and parents.
                (Stance::Leading, _) => profile.registered *= 2.0,
                _ => profile.registered *= engagement,
            }
            let base = match role {
                Role::Teachers => school.teachers,
                Role::Students | Role::Parents | Role::Staff => school.students,
            };
            // The people actually at the school differ a little from the registry's figure,
            // which is what lets a keen school exceed 100 %.
            let heads = (f64::from(base) * (0.95 + 0.1 * rng.f64())).round() as u32;
            for _ in 0..heads {
                if rng.f64() < profile.registered {
                    self.simulate_person(rng, service, index, role, &profile);
                }
            }
        }
    }

    fn simulate_person(
        &mut self,
        rng: &mut Rng,
        service: Service,
        school: usize,
        role: Role,
        profile: &Profile,
    ) {
        let first = self.monthly[0];
        let last = *self.monthly.last().expect("monthly dates");
        let registered = if rng.f64() < profile.early {
            rng.u16(0..=first)
        } else {
            let span = f64::from(last - first);
            first + 1 + (span * rng.f64().powf(profile.late_shape)) as Day
        }
        .min(last);
        let u = rng.f64();
        let habit = if u < profile.regular {
            Habit::Regular
        } else if u < profile.regular + profile.tried {
            Habit::Tried
        } else {
            Habit::Dormant
        };
        let logins = match habit {
            Habit::Regular => {
                let start = registered + rng.u16(0..=10);
                self.regular_logins(rng, start, profile.gap_days, profile.lapse)
            }
            Habit::Tried => {
                let mut days: Vec<Day> = (0..rng.u8(1..=3))
                    .map(|_| (registered + rng.u16(0..=30)).min(self.calendar.last_day()))
                    .collect();
                days.sort_unstable();
                days.dedup();
                days
            }
            Habit::Dormant => Vec::new(),
        };
        let confirmed = (rng.f64() < profile.confirm[habit as usize])
            .then(|| registered.saturating_add(rng.u16(0..=30)))
            .filter(|&day| day <= self.calendar.last_day());
        let history = History {
            registered,
            confirmed,
            logins,
        };
        self.push_account(rng, service, school, Kind::Member(role), history);
    }

    /// Logins from `start` with exponential gaps around a person's own mean; school holidays
    /// (June–August) slow everyone down, and a lapsing user stops on a random day.
    fn regular_logins(
        &self,
        rng: &mut Rng,
        start: Day,
        gap_days: (f64, f64),
        lapse: f64,
    ) -> Vec<Day> {
        let end = self.calendar.last_day();
        let (low, high) = (gap_days.0.ln(), gap_days.1.ln());
        let mean_gap = (low + (high - low) * rng.f64()).exp();
        let stop = if rng.f64() < lapse && start < end {
            rng.u16(start..=end)
        } else {
            end
        };
        let mut days = Vec::new();
        let mut day = f64::from(start);
        while day <= f64::from(stop) {
            let today = day as Day;
            days.push(today);
            let summer = matches!(self.calendar.date(today).month(), 6..=8);
            let gap = -(1.0 - rng.f64()).ln() * mean_gap * if summer { 3.0 } else { 1.0 };
            day += gap.max(1.0);
        }
        days
    }

    fn push_account(
        &mut self,
        rng: &mut Rng,
        service: Service,
        school: usize,
        kind: Kind,
        history: History,
    ) {
        let accounts = &mut self.accounts[service.index()];
        // Increasing ids with gaps, like a database sequence shared with other regions.
        let base: u64 = match service {
            Service::MySchool => 1_000_000_000,
            Service::Sferum => 500_000_000,
        };
        let id = base + accounts.len() as u64 * 17 + rng.u64(0..17);
        let from = self.logins.len() as u32;
        self.logins.extend(history.logins);
        accounts.push(Account {
            id,
            school,
            kind,
            person: rng.u64(..),
            registered: history.registered,
            confirmed: history.confirmed,
            blank_when_unconfirmed: rng.u8(0..8) == 0,
            logins: from..self.logins.len() as u32,
        });
    }

    /// The export of `service` at the `month`-th monthly date. With `late`, the part of the
    /// export for a few schools was taken up to four days after the date, as happens when a
    /// region re-runs an export for schools that complained.
    pub fn snapshot(&self, service: Service, month: usize, late: bool) -> Snapshot<'_> {
        let day = self.monthly[month];
        let mut rng = Rng::with_seed(self.seed ^ crate::mix(service.index() as u64, month as u64));
        let cutoffs = (0..self.schools)
            .map(|_| {
                if late && rng.u8(0..100) < 3 {
                    day + rng.u16(1..=MAX_LAG_DAYS)
                } else {
                    day
                }
            })
            .collect();
        Snapshot {
            sim: self,
            service,
            day,
            cutoffs,
        }
    }
}

/// One platform's export at one date.
pub(crate) struct Snapshot<'a> {
    sim: &'a Simulation,
    service: Service,
    day: Day,
    /// Per school, the last day the export saw.
    cutoffs: Vec<Day>,
}

/// What an export says about one account.
pub(crate) struct ExportRow<'a> {
    pub account: &'a Account,
    pub confirmed: bool,
    pub last: Option<Day>,
}

impl<'a> Snapshot<'a> {
    pub fn date(&self) -> Date {
        self.sim.calendar.date(self.day)
    }

    pub fn date_of(&self, day: Day) -> Date {
        self.sim.calendar.date(day)
    }

    /// Every account registered by the export's cutoff, in id order.
    pub fn rows(&self) -> impl Iterator<Item = ExportRow<'a>> + '_ {
        self.sim.accounts[self.service.index()]
            .iter()
            .filter_map(move |account| {
                let cutoff = self.cutoffs[account.school];
                if account.registered > cutoff {
                    return None;
                }
                let range = account.logins.start as usize..account.logins.end as usize;
                let logins = &self.sim.logins[range];
                let seen = logins.partition_point(|&day| day <= cutoff);
                Some(ExportRow {
                    account,
                    confirmed: account.confirmed.is_some_and(|day| day <= cutoff),
                    last: seen.checked_sub(1).map(|i| logins[i]),
                })
            })
    }

    /// Active accounts per school (indexed like `Region::schools`) and role, by the
    /// catalogue's rule: what tsos will compute from this export.
    pub fn active(&self) -> Vec<RoleMap<u32>> {
        let rule = self.service.rule();
        let date = self.date();
        let mut counts = vec![RoleMap::default(); self.cutoffs.len()];
        for row in self.rows() {
            let Kind::Member(role) = row.account.kind else {
                continue;
            };
            let last = row.last.map(|day| self.sim.calendar.date(day));
            if rule.is_active(row.confirmed, last, date) {
                *counts[row.account.school].get_mut(role) += 1;
            }
        }
        counts
    }
}
