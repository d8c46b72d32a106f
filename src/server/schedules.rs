//! ScheduleService: the one implementation behind gRPC and REST, over the
//! running scheduler (changes take effect at once).

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::proto::schedule_service_server::ScheduleService;
use crate::proto::{
    CreateScheduleRequest, DeleteScheduleResponse, ListSchedulesRequest, ListSchedulesResponse,
    Schedule, ScheduleId, ScheduleSpec, UpdateScheduleRequest,
};
use crate::scheduler::Scheduler;

/// Schedules over the scheduler.
#[derive(Clone)]
pub struct ScheduleApi {
    scheduler: Scheduler,
}

impl ScheduleApi {
    /// The API over a running scheduler.
    pub fn new(scheduler: Scheduler) -> Self {
        Self { scheduler }
    }

    /// Creates a schedule.
    pub async fn create(&self, spec: Option<ScheduleSpec>, by: &str) -> Result<Schedule, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        Ok(self.scheduler.create(spec, by).await?)
    }

    /// Replaces a schedule's definition.
    pub async fn update(&self, spec: Option<ScheduleSpec>, by: &str) -> Result<Schedule, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        ApiError::require("spec.id", &spec.id)?;
        Ok(self.scheduler.update(spec, by).await?)
    }

    /// One schedule.
    pub fn get(&self, id: &str) -> Result<Schedule, ApiError> {
        ApiError::require("id", id)?;
        Ok(self.scheduler.get(id)?)
    }

    /// Every schedule.
    pub fn list(&self) -> Vec<Schedule> {
        self.scheduler.list()
    }

    /// Removes a schedule.
    pub async fn delete(&self, id: &str, by: &str) -> Result<(), ApiError> {
        ApiError::require("id", id)?;
        Ok(self.scheduler.delete(id, by).await?)
    }

    /// Pauses (false) or resumes (true).
    pub async fn set_enabled(
        &self,
        id: &str,
        enabled: bool,
        by: &str,
    ) -> Result<Schedule, ApiError> {
        ApiError::require("id", id)?;
        Ok(self.scheduler.set_enabled(id, enabled, by).await?)
    }
}

#[tonic::async_trait]
impl ScheduleService for ScheduleApi {
    async fn create_schedule(
        &self,
        r: Request<CreateScheduleRequest>,
    ) -> Result<Response<Schedule>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.create(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn update_schedule(
        &self,
        r: Request<UpdateScheduleRequest>,
    ) -> Result<Response<Schedule>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.update(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn get_schedule(&self, r: Request<ScheduleId>) -> Result<Response<Schedule>, Status> {
        Ok(Response::new(self.get(&r.into_inner().id)?))
    }

    async fn list_schedules(
        &self,
        _: Request<ListSchedulesRequest>,
    ) -> Result<Response<ListSchedulesResponse>, Status> {
        Ok(Response::new(ListSchedulesResponse {
            schedules: self.list(),
        }))
    }

    async fn delete_schedule(
        &self,
        r: Request<ScheduleId>,
    ) -> Result<Response<DeleteScheduleResponse>, Status> {
        let by = super::caller(&r);
        let id = r.into_inner().id;
        self.delete(&id, by.subject()).await?;
        Ok(Response::new(DeleteScheduleResponse { id }))
    }

    async fn pause_schedule(&self, r: Request<ScheduleId>) -> Result<Response<Schedule>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.set_enabled(&r.into_inner().id, false, by.subject())
                .await?,
        ))
    }

    async fn resume_schedule(&self, r: Request<ScheduleId>) -> Result<Response<Schedule>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.set_enabled(&r.into_inner().id, true, by.subject())
                .await?,
        ))
    }
}
