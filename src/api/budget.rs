//! The client-side request budget: at most N requests in any 60-second window, shared by every
//! caller of one backend, and a pause that a 429's `Retry-After` imposes on all of them.
//!
//! A request holds its place in the window from the moment it is sent until its answer has
//! arrived, and the window is counted from the answer. The server counts arrivals, which come
//! after the send and before the answer, so counting this way can never put more in the
//! server's window than in ours, however long the network takes.
//!
//! Uses tokio's clock, so tests can run a minute of traffic in paused time.
//!
//! Several stations using one API key share its limit: with a `SharedWindow` (the line store)
//! each request also takes a place in the window all of them count.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

pub const WINDOW: Duration = Duration::from_secs(60);

pub struct Budget {
    per_window: usize,
    window: Duration,
    state: Mutex<State>,
    shared: Option<std::sync::Arc<dyn SharedWindow>>,
}

/// A window shared with other stations (see `line_store::budget`). A place is held from the
/// send until the answer, like a local one.
pub trait SharedWindow: Send + Sync {
    /// Waits for a place; `None` when the shared window cannot be reached right now (the local
    /// budget alone then applies, and the server's 429 is the last word).
    fn acquire(&self, priority: Priority) -> futures_util::future::BoxFuture<'_, Option<i64>>;
    /// Gives the place back (the answer has arrived); must not block.
    fn release(&self, slot: i64);
}

/// Who is asking: a person waiting at the screen goes before a background refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    User,
    Background,
}

struct State {
    /// Requests in the window: `None` while in flight, else when the answer came.
    sent: Vec<(u64, Option<Instant>)>,
    next_id: u64,
    paused_until: Option<Instant>,
    /// User requests waiting for room; background requests let them go first.
    users_waiting: usize,
}

/// A request's place in the window; dropping it (answer arrived, or the call was given up)
/// starts the window's count-down for it.
pub struct Permit<'a> {
    budget: &'a Budget,
    id: u64,
    shared: Option<i64>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let (Some(slot), Some(w)) = (self.shared, &self.budget.shared) {
            w.release(slot);
        }
        let mut s = self.budget.lock();
        let now = Instant::now();
        if let Some(slot) = s.sent.iter_mut().find(|(id, _)| *id == self.id) {
            slot.1 = Some(now);
        }
    }
}

/// How often a waiting request looks again when every place is held by a call in flight.
const IN_FLIGHT_RECHECK: Duration = Duration::from_millis(20);

impl Budget {
    pub fn per_minute(n: u32) -> Self {
        Self::new(n as usize, WINDOW)
    }

    pub fn new(per_window: usize, window: Duration) -> Self {
        Budget {
            per_window: per_window.max(1),
            window,
            state: Mutex::new(State { sent: Vec::new(), next_id: 0, paused_until: None, users_waiting: 0 }),
            shared: None,
        }
    }

    /// The same budget, also taking a place in a window shared with other stations.
    pub fn with_shared(self, shared: std::sync::Arc<dyn SharedWindow>) -> Self {
        Budget { shared: Some(shared), ..self }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent between statements, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until one more request fits (a user request).
    pub async fn acquire(&self) -> Permit<'_> {
        self.acquire_as(Priority::User).await
    }

    /// Waits until one more request fits; background requests wait while users wait.
    pub async fn acquire_as(&self, priority: Priority) -> Permit<'_> {
        let mut permit = self.acquire_local(priority).await;
        if let Some(w) = &self.shared {
            permit.shared = w.acquire(priority).await;
        }
        permit
    }

    async fn acquire_local(&self, priority: Priority) -> Permit<'_> {
        let mut counted = false;
        loop {
            let wait_until = {
                let mut s = self.lock();
                let now = Instant::now();
                let window = self.window;
                s.sent.retain(|(_, done)| done.is_none_or(|t| now.duration_since(t) < window));
                let yield_to_users = priority == Priority::Background && s.users_waiting > 0;
                match s.paused_until {
                    Some(p) if p > now => p,
                    _ if s.sent.len() < self.per_window && !yield_to_users => {
                        let id = s.next_id;
                        s.next_id += 1;
                        s.sent.push((id, None));
                        if counted {
                            s.users_waiting -= 1;
                        }
                        return Permit { budget: self, id, shared: None };
                    }
                    // Room now but users first: look again in a moment.
                    _ if s.sent.len() < self.per_window => now + Duration::from_millis(10),
                    _ => {
                        if priority == Priority::User && !counted {
                            s.users_waiting += 1;
                            counted = true;
                        }
                        let first_free = s.sent.iter().filter_map(|(_, t)| *t).min().map(|t| t + window);
                        first_free.unwrap_or(now + IN_FLIGHT_RECHECK)
                    }
                }
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }

    /// After a 429: nobody sends before `until`.
    pub fn pause_until(&self, until: Instant) {
        let mut s = self.lock();
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
        }
    }

    /// How long the pause a 429 imposed still lasts (zero when there is none).
    pub fn paused_for(&self) -> Duration {
        let s = self.lock();
        s.paused_until.map(|p| p.saturating_duration_since(Instant::now())).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_budget_in_any_window() {
        let budget = std::sync::Arc::new(Budget::per_minute(200));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..300 {
            let b = budget.clone();
            handles.push(tokio::spawn(async move {
                drop(b.acquire().await);
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.unwrap());
        }
        times.sort();
        assert_eq!(times.len(), 300, "none lost");
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|u| u.duration_since(*t) < WINDOW).count();
            assert!(in_window <= 200, "{in_window} requests within a minute from request {i}");
        }
        assert_eq!(times[199].duration_since(start), Duration::ZERO);
        assert_eq!(times[200].duration_since(start), WINDOW, "the 201st waits for the window");
    }

    #[tokio::test(start_paused = true)]
    async fn users_go_before_background_refreshes() {
        let budget = std::sync::Arc::new(Budget::new(3, Duration::from_secs(60)));
        for _ in 0..3 {
            drop(budget.acquire_as(Priority::Background).await);
        }
        let order = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        // Background refreshes queue first, then a person acts.
        for (i, p) in
            [Priority::Background, Priority::Background, Priority::Background, Priority::User].into_iter().enumerate()
        {
            let (b, o) = (budget.clone(), order.clone());
            handles.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i as u64)).await;
                drop(b.acquire_as(p).await);
                o.lock().await.push(p);
            }));
            tokio::task::yield_now().await;
        }
        for h in handles {
            h.await.unwrap();
        }
        let order = order.lock().await.clone();
        assert_eq!(order.len(), 4, "none lost");
        assert_eq!(order[0], Priority::User, "the user's request went first: {order:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_everyone() {
        let budget = Budget::per_minute(200);
        let start = Instant::now();
        budget.pause_until(start + Duration::from_secs(7));
        assert_eq!(budget.paused_for(), Duration::from_secs(7));
        drop(budget.acquire().await);
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_holds_its_place_and_counts_from_its_answer() {
        let budget = Budget::new(1, Duration::from_secs(60));
        let start = Instant::now();
        let permit = budget.acquire().await;
        // The answer takes 30 s; the window starts then, not at the send.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(permit);
        drop(budget.acquire().await);
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(90));
    }
}
