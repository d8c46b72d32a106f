module orchestrator.local/clients/go

go 1.19

// The versions Debian bookworm packages, which test.sh builds against
// offline (GOPATH mode, see README.md). With network access, `go mod tidy`
// adds google.golang.org/genproto (google/api annotations) and go.sum.
require (
	github.com/golang/protobuf v1.5.2 // indirect
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
