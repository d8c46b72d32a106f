//! The two pools of task slots: one sized to the machine for work that
//! burns its CPU (`WORKERS`), one much larger for work that waits on a
//! service (`MAX_INFLIGHT_TASKS`). A plugin's declared load picks the pool
//! its attempts take a slot from.

use crate::plugins::{Load, Slots};
use crate::proto::TaskPool;

/// Both pools.
pub(crate) struct Pools {
    /// `WORKERS`: python, shell.
    pub cpu: Slots,
    /// `MAX_INFLIGHT_TASKS`: http, grpc, sql, kafka, sleep, echo, model.
    pub wait: Slots,
}

impl Pools {
    /// The pool a plugin of this load takes its slots from.
    pub fn of(&self, load: Load) -> &Slots {
        match load {
            Load::Cpu => &self.cpu,
            Load::Wait => &self.wait,
        }
    }

    /// Each pool's figures, for the metrics and the active table.
    pub fn figures(&self) -> [TaskPool; 2] {
        [self.cpu.figures("cpu"), self.wait.figures("wait")]
    }
}
