//! EventService: publishing events and managing triggers, the one
//! implementation behind gRPC and REST.

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::proto::event_service_server::EventService;
use crate::proto::{
    CreateTriggerRequest, DeleteTriggerResponse, Event, ListTriggersRequest, ListTriggersResponse,
    PublishRequest, PublishResponse, Trigger, TriggerId, TriggerOutcome, TriggerSpec,
    UpdateTriggerRequest,
};
use crate::scheduler::Triggers;
use crate::scheduler::webhook::SignedRequest;

/// Events and triggers over the trigger table.
#[derive(Clone)]
pub struct EventApi {
    triggers: Triggers,
}

impl EventApi {
    /// The API over the loaded triggers.
    pub fn new(triggers: Triggers) -> Self {
        Self { triggers }
    }

    /// Publishes an event; what each matching trigger did.
    pub async fn publish(&self, event: Option<Event>) -> Result<Vec<TriggerOutcome>, ApiError> {
        let event = event.ok_or_else(|| ApiError::invalid("event: required"))?;
        Ok(self.triggers.publish(event).await?)
    }

    /// A signed webhook request for trigger `id`.
    pub async fn webhook(
        &self,
        id: &str,
        request: SignedRequest<'_>,
    ) -> Result<TriggerOutcome, ApiError> {
        Ok(self.triggers.webhook(id, request).await?)
    }

    /// Creates a trigger.
    pub async fn create(&self, spec: Option<TriggerSpec>, by: &str) -> Result<Trigger, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        Ok(self.triggers.create(spec, by).await?)
    }

    /// Replaces a trigger's definition.
    pub async fn update(&self, spec: Option<TriggerSpec>, by: &str) -> Result<Trigger, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        ApiError::require("spec.id", &spec.id)?;
        Ok(self.triggers.update(spec, by).await?)
    }

    /// One trigger.
    pub fn get(&self, id: &str) -> Result<Trigger, ApiError> {
        ApiError::require("id", id)?;
        Ok(self.triggers.get(id)?)
    }

    /// Every trigger.
    pub fn list(&self) -> Vec<Trigger> {
        self.triggers.list()
    }

    /// Removes a trigger.
    pub async fn delete(&self, id: &str, by: &str) -> Result<(), ApiError> {
        ApiError::require("id", id)?;
        Ok(self.triggers.delete(id, by).await?)
    }
}

#[tonic::async_trait]
impl EventService for EventApi {
    async fn publish(
        &self,
        r: Request<PublishRequest>,
    ) -> Result<Response<PublishResponse>, Status> {
        let outcomes = self.publish(r.into_inner().event).await?;
        Ok(Response::new(PublishResponse { outcomes }))
    }

    async fn create_trigger(
        &self,
        r: Request<CreateTriggerRequest>,
    ) -> Result<Response<Trigger>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.create(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn update_trigger(
        &self,
        r: Request<UpdateTriggerRequest>,
    ) -> Result<Response<Trigger>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.update(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn get_trigger(&self, r: Request<TriggerId>) -> Result<Response<Trigger>, Status> {
        Ok(Response::new(self.get(&r.into_inner().id)?))
    }

    async fn list_triggers(
        &self,
        _: Request<ListTriggersRequest>,
    ) -> Result<Response<ListTriggersResponse>, Status> {
        Ok(Response::new(ListTriggersResponse {
            triggers: self.list(),
        }))
    }

    async fn delete_trigger(
        &self,
        r: Request<TriggerId>,
    ) -> Result<Response<DeleteTriggerResponse>, Status> {
        let by = super::caller(&r);
        let id = r.into_inner().id;
        self.delete(&id, by.subject()).await?;
        Ok(Response::new(DeleteTriggerResponse { id }))
    }
}
