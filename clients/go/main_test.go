package orchestrator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	orchestrator "orchestrator.local/clients/go"
)

// addr is the server under test: $ORCHESTRATOR_GRPC (test.sh sets it).
var addr = os.Getenv("ORCHESTRATOR_GRPC")

func TestMain(m *testing.M) {
	if addr == "" {
		fmt.Println("skipping: ORCHESTRATOR_GRPC is not set (run test.sh, or scripts/test-clients.sh go)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// unique returns prefix plus a random hex suffix: the server is shared by
// every client's tests in one harness run.
func unique(prefix string) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// dial connects to the server under test; the client closes with the test.
func dial(t *testing.T) (*orchestrator.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	t.Cleanup(cancel)
	c, err := orchestrator.Dial(ctx, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, ctx
}
