package dev.orchestrator.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import dev.orchestrator.v1.ChangeKind;
import dev.orchestrator.v1.Execution;
import dev.orchestrator.v1.ExecutionChange;
import dev.orchestrator.v1.ExecutionState;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** WatchExecutions: the server-wide feed, and resuming it from a cursor. */
public class FeedTest extends ServerTest {
  @Test
  public void feedAndResume() throws InterruptedException {
    String name = unique("java-feed");
    client.createWorkflow("name: " + name + "\ntasks:\n"
        + "  - {id: a, type: echo, body: {n: 1}}\n"
        + "  - {id: b, type: echo, body: {n: 2}, depends_on: [a]}\n");
    List<ExecutionChange> seen = new ArrayList<>();
    Execution ex;
    try (StreamIterator<ExecutionChange> feed = client.watchExecutions(List.of(name), List.of(), "")) {
      BlockingQueue<ExecutionChange> changes = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try {
          feed.forEachRemaining(changes::add);
        } catch (StatusRuntimeException e) {
          // CANCELLED when the feed is closed below
        }
      }, "feed-reader");
      reader.setDaemon(true);
      reader.start();
      // The feed is live once the server has subscribed the call, which the
      // client cannot see: warm-up runs until one of their changes arrives.
      boolean warmedUp = false;
      for (int i = 0; i < 20 && !warmedUp; i++) {
        client.run(name, null);
        warmedUp = changes.poll(250, TimeUnit.MILLISECONDS) != null;
      }
      assertTrue("no change arrived for 20 runs", warmedUp);
      ex = client.run(name, null);
      while (true) {
        ExecutionChange change = changes.poll(20, TimeUnit.SECONDS);
        assertNotNull("feed went quiet after " + seen, change);
        assertEquals(name, change.getWorkflow());
        assertFalse(change.getCursor().isEmpty());
        if (!change.getExecutionId().equals(ex.getId())) {
          continue; // a warm-up run's
        }
        seen.add(change);
        if (change.getKind() == ChangeKind.CHANGE_KIND_EXECUTION_ENDED) {
          break;
        }
      }
    }
    assertEquals(ChangeKind.CHANGE_KIND_EXECUTION_STARTED, seen.get(0).getKind());
    assertTrue(seen.toString(), seen.size() >= 6);
    assertEquals(ExecutionState.EXECUTION_STATE_COMPLETED, seen.get(seen.size() - 1).getState());

    // Resuming after the first cursor replays the second change: no gap.
    try (StreamIterator<ExecutionChange> again =
        client.watchExecutions(List.of(name), List.of(), seen.get(0).getCursor())) {
      ExecutionChange next = again.next();
      while (!next.getExecutionId().equals(ex.getId())) {
        next = again.next();
      }
      assertEquals("first change after cursor " + seen.get(0).getCursor(),
          seen.get(1).getCursor(), next.getCursor());
      assertEquals(seen.get(1).getKind(), next.getKind());
    }
  }
}
