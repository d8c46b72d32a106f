package dev.orchestrator.client;

import io.grpc.Context;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * The messages of a server-streaming call, as an Iterator; {@link #close()}
 * cancels the call. {@code hasNext()} and {@code next()} block for the next
 * message and throw {@link io.grpc.StatusRuntimeException} when the call
 * fails.
 *
 * @param <T> the message type
 */
public final class StreamIterator<T> implements Iterator<T>, AutoCloseable {
  private final Context.CancellableContext context;
  private final Iterator<T> messages;

  StreamIterator(Supplier<Iterator<T>> call) {
    this.context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      this.messages = call.get();
    } finally {
      context.detach(previous);
    }
  }

  @Override
  public boolean hasNext() {
    return messages.hasNext();
  }

  @Override
  public T next() {
    return messages.next();
  }

  /** Cancels the call; safe to call more than once. */
  @Override
  public void close() {
    context.cancel(null);
  }
}
