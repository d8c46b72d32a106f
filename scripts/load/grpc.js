// k6: ExecutionService.Run of the diamond workflow over gRPC, through
// server reflection (no .proto files), waiting for each run's end.
import grpc from 'k6/net/grpc';
import { check } from 'k6';

const client = new grpc.Client();
const target = __ENV.GRPC_ADDR || '127.0.0.1:50051';

export const options = {
  vus: Number(__ENV.VUS || 64),
  duration: __ENV.DURATION || '10s',
  thresholds: { checks: ['rate==1.0'] },
};

export default () => {
  if (__ITER === 0) {
    client.connect(target, { plaintext: true, reflect: true });
  }
  const r = client.invoke('orchestrator.v1.ExecutionService/Run', { workflow: 'diamond', wait: true });
  check(r, {
    'status OK': (r) => r && r.status === grpc.StatusOK,
    'run completed': (r) => r && r.message.execution.status === 'EXECUTION_STATE_COMPLETED',
  });
};
