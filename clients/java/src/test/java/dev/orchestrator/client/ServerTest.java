package dev.orchestrator.client;

import static org.junit.Assume.assumeTrue;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.After;
import org.junit.Before;

/** Base of the tests against the live server at $ORCHESTRATOR_GRPC. */
public abstract class ServerTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The client under test, connected before each test. */
  protected OrchestratorClient client;

  /** Connects, or skips the test when ORCHESTRATOR_GRPC is unset. */
  @Before
  public void connect() {
    String target = System.getenv("ORCHESTRATOR_GRPC");
    if (target == null || target.isEmpty()) {
      System.err.println("skipping: ORCHESTRATOR_GRPC is not set (run test.sh)");
    }
    assumeTrue("ORCHESTRATOR_GRPC is not set", target != null && !target.isEmpty());
    client = OrchestratorClient.connect(target);
  }

  /** Closes the client. */
  @After
  public void disconnect() {
    if (client != null) {
      client.close();
    }
  }

  /**
   * A workflow name unique to this run: the server is shared by every client's tests.
   *
   * @param prefix the name's start
   * @return prefix, a dash and 8 random hex digits
   */
  protected static String unique(String prefix) {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    return prefix + "-" + HexFormat.of().formatHex(b);
  }
}
