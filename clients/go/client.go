package orchestrator

import (
	"context"
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/structpb"

	pb "orchestrator.local/clients/go/orchestratorv1"
)

// Client is a connection to one Orchestrator server. It is safe for
// concurrent use; Close releases it.
type Client struct {
	conn *grpc.ClientConn
	// Workflows is the generated WorkflowService stub.
	Workflows pb.WorkflowServiceClient
	// Executions is the generated ExecutionService stub.
	Executions pb.ExecutionServiceClient
	// Admin is the generated AdminService stub.
	Admin pb.AdminServiceClient
	// Schedules is the generated ScheduleService stub.
	Schedules pb.ScheduleServiceClient
	// Events is the generated EventService stub.
	Events pb.EventServiceClient
	// Approvals is the generated ApprovalService stub.
	Approvals pb.ApprovalServiceClient
}

// Option configures Dial.
type Option func(*dialConfig)

type dialConfig struct {
	tls   *tls.Config
	token string
	extra []grpc.DialOption
}

// WithTLS connects over TLS with the given configuration; without it the
// connection is plaintext (as on loopback).
func WithTLS(cfg *tls.Config) Option { return func(c *dialConfig) { c.tls = cfg } }

// WithToken sends "authorization: Bearer <token>" with every call.
func WithToken(token string) Option { return func(c *dialConfig) { c.token = token } }

// WithDialOptions adds raw gRPC dial options (interceptors, keepalive, ...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *dialConfig) { c.extra = append(c.extra, opts...) }
}

// Dial connects to the server at addr ("host:port") and waits until the
// connection is up or ctx is done; give ctx a deadline.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	var cfg dialConfig
	for _, o := range opts {
		o(&cfg)
	}
	dial := []grpc.DialOption{grpc.WithBlock()}
	if cfg.tls != nil {
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(cfg.tls)))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if cfg.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer{token: cfg.token, secure: cfg.tls != nil}))
	}
	conn, err := grpc.DialContext(ctx, addr, append(dial, cfg.extra...)...)
	if err != nil {
		return nil, err
	}
	return &Client{
		conn:       conn,
		Workflows:  pb.NewWorkflowServiceClient(conn),
		Executions: pb.NewExecutionServiceClient(conn),
		Admin:      pb.NewAdminServiceClient(conn),
		Schedules:  pb.NewScheduleServiceClient(conn),
		Events:     pb.NewEventServiceClient(conn),
		Approvals:  pb.NewApprovalServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// CreateWorkflow stores a new workflow from a YAML or JSON document, as the
// workflow files and the REST API hold it.
func (c *Client) CreateWorkflow(ctx context.Context, definition string) (*pb.Workflow, error) {
	w, err := c.Workflows.CreateWorkflow(ctx, &pb.CreateWorkflowRequest{Definition: definition})
	return w, wrap(err)
}

// CreateWorkflowSpec stores a new workflow from a typed spec.
func (c *Client) CreateWorkflowSpec(ctx context.Context, spec *pb.WorkflowSpec) (*pb.Workflow, error) {
	w, err := c.Workflows.CreateWorkflow(ctx, &pb.CreateWorkflowRequest{Spec: spec})
	return w, wrap(err)
}

// Run starts the latest version of a workflow with the given parameters
// (visible to expressions as `input`; nil for none) and returns as soon as
// the server accepted it. Execution.Id names the execution.
func (c *Client) Run(ctx context.Context, workflow string, params map[string]any) (*pb.Execution, error) {
	return c.run(ctx, workflow, params, false)
}

// RunAndWait is Run that answers when the execution has ended, with its
// task results.
func (c *Client) RunAndWait(ctx context.Context, workflow string, params map[string]any) (*pb.Execution, error) {
	return c.run(ctx, workflow, params, true)
}

func (c *Client) run(ctx context.Context, workflow string, params map[string]any, wait bool) (*pb.Execution, error) {
	st, err := structpb.NewStruct(params)
	if err != nil {
		return nil, err
	}
	resp, err := c.Executions.Run(ctx, &pb.RunRequest{Workflow: workflow, Parameters: st, Wait: wait})
	if err != nil {
		return nil, wrap(err)
	}
	return resp.GetExecution(), nil
}

// GetExecution returns one execution with its task results; the error
// matches ErrNotFound for an unknown id.
func (c *Client) GetExecution(ctx context.Context, id string) (*pb.Execution, error) {
	e, err := c.Executions.GetExecution(ctx, &pb.GetExecutionRequest{ExecutionId: id})
	return e, wrap(err)
}

// Cancel stops a running execution and records the reason; the error
// matches ErrNotFound when it is not running on this server.
func (c *Client) Cancel(ctx context.Context, id, reason string) error {
	_, err := c.Executions.Cancel(ctx, &pb.CancelRequest{ExecutionId: id, Reason: reason})
	return wrap(err)
}

// bearer is the per-call credential WithToken installs.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }
