//! Cancellation for loops whose length comes from input. The core knows nothing of
//! PostgreSQL: the extension installs a hook (CHECK_FOR_INTERRUPTS) at load time, and loops
//! call `Ticker::tick` once per item, which calls the hook every `EVERY` items. Without a
//! hook (cargo test) a tick costs one counter update.

use std::sync::OnceLock;

static HOOK: OnceLock<fn()> = OnceLock::new();

/// Installs the check that loops call (once per process; later calls are ignored).
pub fn set_hook(f: fn()) {
    let _ = HOOK.set(f);
}

/// Runs the check now.
#[inline]
pub fn check() {
    if let Some(f) = HOOK.get() {
        f();
    }
}

/// Items between two checks.
pub const EVERY: u32 = 1024;

/// Counts items and checks for interrupts every `EVERY` of them.
#[derive(Default)]
pub struct Ticker(u32);

impl Ticker {
    #[inline]
    pub fn tick(&mut self) {
        self.0 += 1;
        if self.0 >= EVERY {
            self.0 = 0;
            check();
        }
    }
}
