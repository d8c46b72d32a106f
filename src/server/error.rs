//! One error type for the API, and its one mapping to gRPC status codes
//! (the REST gateway maps those codes to HTTP statuses in one table too).

use tonic::{Code, Status};

use crate::engine::{ApprovalError, EngineError};
use crate::scheduler::webhook::WebhookError;
use crate::scheduler::{ScheduleError, TriggerError};
use crate::spec::SpecError;
use crate::store::StoreError;

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or the definition invalid; problems listed.
    #[error("{message}")]
    InvalidArgument {
        /// Summary.
        message: String,
        /// One line per problem (`task 'ID': FIELD: MESSAGE`).
        details: Vec<String>,
    },
    /// The workflow or execution does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The workflow exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request does not fit the current state (e.g. an archived workflow).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The request does not prove who sent it (no valid token, or a
    /// webhook's signature).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// A position (a feed cursor) lies outside what the server holds.
    #[error("{0}")]
    OutOfRange(String),
    /// Too much work is queued; try again later.
    #[error("{0}")]
    ResourceExhausted(String),
    /// A failure of the server itself (storage).
    #[error("{0}")]
    Internal(String),
    /// The server cannot serve this now (its database is out of reach);
    /// the same request may succeed later.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// A malformed request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Refuses an empty required field, naming it.
    pub fn require(field: &str, value: &str) -> Result<(), Self> {
        if value.is_empty() {
            Err(Self::invalid(format!("{field}: required")))
        } else {
            Ok(())
        }
    }

    /// The gRPC code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidArgument { .. } => Code::InvalidArgument,
            Self::NotFound(_) => Code::NotFound,
            Self::AlreadyExists(_) => Code::AlreadyExists,
            Self::FailedPrecondition(_) => Code::FailedPrecondition,
            Self::OutOfRange(_) => Code::OutOfRange,
            Self::ResourceExhausted(_) => Code::ResourceExhausted,
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::PermissionDenied(_) => Code::PermissionDenied,
            Self::Internal(_) => Code::Internal,
            Self::Unavailable(_) => Code::Unavailable,
        }
    }
}

impl From<SpecError> for ApiError {
    fn from(e: SpecError) -> Self {
        let details: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        let message = match details.as_slice() {
            [one] => format!("invalid workflow: {one}"),
            many => format!("invalid workflow: {} problems", many.len()),
        };
        Self::InvalidArgument { message, details }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WorkflowNotFound(_)
            | StoreError::VersionNotFound { .. }
            | StoreError::ExecutionNotFound(_) => Self::NotFound(e.to_string()),
            StoreError::Archived(_) | StoreError::OwnershipLost(_) | StoreError::Unsupported(_) => {
                Self::FailedPrecondition(e.to_string())
            }
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %e, "store unavailable");
                Self::Unavailable(e.to_string())
            }
            StoreError::Locked(_) | StoreError::Backend(_) | StoreError::Corrupt { .. } => {
                tracing::error!(error = %e, "storage failure");
                Self::Internal(e.to_string())
            }
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(s) => s.into(),
            EngineError::Plan { .. } | EngineError::State(_) => {
                Self::FailedPrecondition(e.to_string())
            }
            EngineError::Crashed(..) => Self::Internal(e.to_string()),
            EngineError::Approval(a) => match a {
                ApprovalError::NotPending { .. } => Self::NotFound(a.to_string()),
                ApprovalError::Denied(m) => Self::PermissionDenied(m),
                ApprovalError::Invalid(m) => Self::invalid(m),
                ApprovalError::Elsewhere(m) => Self::Unavailable(m),
            },
        }
    }
}

impl From<ScheduleError> for ApiError {
    fn from(e: ScheduleError) -> Self {
        match e {
            ScheduleError::Invalid(p) => Self::InvalidArgument {
                message: p.to_string(),
                details: vec![p.to_string()],
            },
            ScheduleError::NotFound(_) => Self::NotFound(e.to_string()),
            ScheduleError::Exists(_) => Self::AlreadyExists(e.to_string()),
            ScheduleError::Store(s) => s.into(),
        }
    }
}

impl From<TriggerError> for ApiError {
    fn from(e: TriggerError) -> Self {
        match e {
            TriggerError::Invalid(p) => Self::InvalidArgument {
                message: p.to_string(),
                details: vec![p.to_string()],
            },
            TriggerError::NotFound(m) => Self::NotFound(m),
            TriggerError::Exists(_) => Self::AlreadyExists(e.to_string()),
            // A replay is refused as a conflict with the delivery already
            // accepted, so a sender retrying after a lost answer can tell it
            // from a bad signature.
            TriggerError::Webhook(WebhookError::Replayed) => Self::AlreadyExists(e.to_string()),
            TriggerError::Webhook(WebhookError::Busy) => Self::ResourceExhausted(e.to_string()),
            TriggerError::Webhook(w) => Self::Unauthenticated(w.to_string()),
            TriggerError::Store(s) => s.into(),
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        match &e {
            // The problems travel in the message, one per line, so that
            // grpcurl users see them without decoding status details.
            ApiError::InvalidArgument { message, details } if !details.is_empty() => {
                Status::new(e.code(), format!("{message}\n{}", details.join("\n")))
            }
            _ => Status::new(e.code(), e.to_string()),
        }
    }
}
