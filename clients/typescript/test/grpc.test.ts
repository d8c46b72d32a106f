/** The client over gRPC (HTTP/2, connect-node) against $ORCHESTRATOR_GRPC. */
import { suite } from "./suite.js";

suite("grpc");
