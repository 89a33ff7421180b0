package dev.siskin.client.stop;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class StopCheckRunTest {
  @Test
  void aRefusedConnectionOnThisSideIsNotAFailedCall() {
    ConnectException refused = new ConnectException("Connection refused: /127.0.0.1:1");
    assertThat(StopCheckRun.refusedBeforeSending(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new IOException("wrapped", refused)))).isTrue();
  }

  @Test
  void everyOtherFailureIsOne() {
    // Sent by the server: no cause, whatever the text says.
    assertThat(StopCheckRun.refusedBeforeSending(
        Status.UNAVAILABLE.withDescription("backend v1: Connection refused"))).isFalse();
    // The connection broke under a call that was sent.
    assertThat(StopCheckRun.refusedBeforeSending(
        Status.UNAVAILABLE.withCause(new IOException("Connection reset by peer")))).isFalse();
    assertThat(StopCheckRun.refusedBeforeSending(
        Status.CANCELLED.withCause(new ConnectException("Connection refused")))).isFalse();
  }
}
