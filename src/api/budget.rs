//! The client-side request budget: at most N requests in any 60-second window, shared by every
//! caller of one backend, and a pause that a 429's `Retry-After` imposes on all of them.
//!
//! Uses tokio's clock, so tests can run a minute of traffic in paused time.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub const WINDOW: Duration = Duration::from_secs(60);

pub struct Budget {
    per_window: usize,
    window: Duration,
    state: Mutex<State>,
}

/// Who is asking: a person waiting at the screen goes before a background refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    User,
    Background,
}

struct State {
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
    /// User requests waiting for room; background requests let them go first.
    users_waiting: usize,
}

impl Budget {
    pub fn per_minute(n: u32) -> Self {
        Self::new(n as usize, WINDOW)
    }

    pub fn new(per_window: usize, window: Duration) -> Self {
        Budget {
            per_window: per_window.max(1),
            window,
            state: Mutex::new(State { sent: VecDeque::new(), paused_until: None, users_waiting: 0 }),
        }
    }

    /// Waits until one more request fits, and counts it as sent (a user request).
    pub async fn acquire(&self) {
        self.acquire_as(Priority::User).await
    }

    /// Waits until one more request fits; background requests wait while users wait.
    pub async fn acquire_as(&self, priority: Priority) {
        let mut counted = false;
        loop {
            let wait_until = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                while s.sent.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    s.sent.pop_front();
                }
                let yield_to_users = priority == Priority::Background && s.users_waiting > 0;
                match s.paused_until {
                    Some(p) if p > now => Some(p),
                    _ if s.sent.len() < self.per_window && !yield_to_users => {
                        s.sent.push_back(now);
                        if counted {
                            s.users_waiting -= 1;
                        }
                        return;
                    }
                    // Room now but users first: look again in a moment.
                    _ if s.sent.len() < self.per_window => Some(now + Duration::from_millis(10)),
                    _ => {
                        if priority == Priority::User && !counted {
                            s.users_waiting += 1;
                            counted = true;
                        }
                        s.sent.front().map(|t| *t + self.window)
                    }
                }
            };
            if let Some(t) = wait_until {
                tokio::time::sleep_until(t).await;
            }
        }
    }

    /// After a 429: nobody sends before `until`.
    pub async fn pause_until(&self, until: Instant) {
        let mut s = self.state.lock().await;
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
        }
    }

    /// Seconds until the pause a 429 imposed ends (0 when there is none), for the status bar.
    pub async fn paused_for(&self) -> Duration {
        let s = self.state.lock().await;
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
                b.acquire().await;
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
            budget.acquire_as(Priority::Background).await;
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
                b.acquire_as(p).await;
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
        budget.pause_until(start + Duration::from_secs(7)).await;
        assert_eq!(budget.paused_for().await, Duration::from_secs(7));
        budget.acquire().await;
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(7));
    }
}
