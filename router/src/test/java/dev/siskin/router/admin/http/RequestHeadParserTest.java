package dev.siskin.router.admin.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHeadParserTest {
  @Test
  void aHeadArrivingInPiecesIsCompleteAtItsEmptyLineAndTheBodyIsLeftAlone() throws Exception {
    HeadReader reader = new HeadReader(1024);
    assertThat(reader.append(ascii("\r\nGET /metrics?x=1 HT"))).isFalse();
    assertThat(reader.append(ascii("TP/1.1\r\nAccept: text/plain\r\nX-Two: a\r\nx-two: b\r"))).isFalse();
    assertThat(reader.requestLineEnded()).isTrue();
    assertThat(reader.append(ascii("\n\r\nbody bytes"))).isTrue();

    RequestHead head = RequestHeadParser.parse(reader.bytes(), 100);
    assertThat(head.method()).isEqualTo("GET");
    assertThat(head.path()).isEqualTo("/metrics");
    assertThat(head.version()).isEqualTo("HTTP/1.1");
    assertThat(head.header("accept")).hasValue("text/plain");
    assertThat(head.headers().get("x-two")).isEqualTo(List.of("a", "b"));
    assertThat(head.hasBody()).isFalse();
    assertThat(new String(reader.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain("body");
  }

  @Test
  void bareLineFeedsEndLinesToo() throws Exception {
    HeadReader reader = new HeadReader(1024);
    assertThat(reader.append(ascii("HEAD http://127.0.0.1:9901/ready HTTP/1.0\nHost: x\n\n"))).isTrue();
    RequestHead head = RequestHeadParser.parse(reader.bytes(), 100);
    assertThat(head.path()).isEqualTo("/ready");
    assertThat(head.isHead()).isTrue();
    assertThat(head.isHttp10()).isTrue();
  }

  @Test
  void theReaderTakesNoMoreThanItsLimit() {
    HeadReader reader = new HeadReader(64);
    ByteBuffer flood = ascii("GET /" + "a".repeat(100));
    assertThat(reader.append(flood)).isFalse();
    assertThat(reader.room()).isZero();
    assertThat(reader.requestLineEnded()).isFalse();
    assertThat(flood.remaining()).isEqualTo(105 - 64);
    assertThat(reader.bytes()).hasSize(64);
  }

  @Test
  void aBodyIsAnnouncedByContentLengthOrTransferEncoding() throws Exception {
    assertThat(parse("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").hasBody()).isTrue();
    assertThat(parse("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").hasBody()).isFalse();
    assertThat(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").hasBody()).isTrue();
    assertRejected("GET / HTTP/1.1\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n", 400, "Content-Length");
    assertRejected("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length");
  }

  @Test
  void whatItDoesNotUnderstandIsRejectedWithTheStatusThatSaysWhy() {
    assertRejected("GET /ready\r\n\r\n", 400, "request line");
    assertRejected("GET  /ready HTTP/1.1\r\n\r\n", 400, "request line");
    assertRejected("G(T /ready HTTP/1.1\r\n\r\n", 400, "request line");
    assertRejected("GET /ready HTTP/2.0\r\n\r\n", 505, "HTTP/2.0");
    assertRejected("GET /ready HTTX\r\n\r\n", 400, "request line");
    assertRejected("GET ready HTTP/1.1\r\n\r\n", 400, "target");
    assertRejected("GET /a b HTTP/1.1\r\n\r\n", 400, "request line");
    assertRejected("GET /%zz HTTP/1.1\r\n\r\n", 400, "target");
    assertRejected("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "folded");
    assertRejected("GET / HTTP/1.1\r\nX A: 1\r\n\r\n", 400, "header field");
    assertRejected("GET / HTTP/1.1\r\n: 1\r\n\r\n", 400, "header field");
    assertRejected("GET / HTTP/1.1\r\nX-A: 1\u00002\r\n\r\n", 400, "control character");
    assertRejected("GET / HTTP/1.1\r\n" + "X: 1\r\n".repeat(4) + "\r\n", 431, "more than 3 header fields");
  }

  private static RequestHead parse(String head) throws RejectedRequest {
    return RequestHeadParser.parse(head.getBytes(StandardCharsets.ISO_8859_1), 3);
  }

  private static void assertRejected(String head, int status, String reason) {
    assertThatThrownBy(() -> parse(head)).as(head)
        .isInstanceOfSatisfying(RejectedRequest.class, e -> assertThat(e.status()).isEqualTo(status))
        .hasMessageContaining(reason);
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
