package dev.siskin.client.text;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with padded columns, for terminals and logs alike (no box-drawing characters).
 * Text columns are left-aligned and number columns right-aligned, so that digits line up.
 * Not thread-safe: build it on one thread, then render.
 */
public final class Table {
  /** How a column's cells are aligned. */
  public enum Align { LEFT, RIGHT }

  private final List<String> headers;
  private final List<Align> aligns;
  private final List<List<String>> rows = new ArrayList<>();

  private Table(List<String> headers, List<Align> aligns) {
    this.headers = headers;
    this.aligns = aligns;
  }

  /** Columns given as alternating header and alignment: {@code Table.of("name", LEFT, "count", RIGHT)}. */
  public static Table of(Object... headerAlignPairs) {
    if (headerAlignPairs.length == 0 || headerAlignPairs.length % 2 != 0) {
      throw new IllegalArgumentException("expected header/alignment pairs, got " + headerAlignPairs.length + " values");
    }
    List<String> headers = new ArrayList<>();
    List<Align> aligns = new ArrayList<>();
    for (int i = 0; i < headerAlignPairs.length; i += 2) {
      headers.add((String) headerAlignPairs[i]);
      aligns.add((Align) headerAlignPairs[i + 1]);
    }
    return new Table(List.copyOf(headers), List.copyOf(aligns));
  }

  /** Adds a row; it must have one cell per column. */
  public Table row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells (expected: " + headers.size() + ")");
    }
    rows.add(List.of(cells));
    return this;
  }

  /** The table, one line per row after the header, each line ending in a newline; no trailing spaces. */
  public String render() {
    int[] widths = new int[headers.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = headers.get(c).length();
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, headers, widths);
    for (List<String> row : rows) {
      appendLine(out, row, widths);
    }
    return out.toString();
  }

  private void appendLine(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      if (c > 0) {
        line.append("  ");
      }
      String cell = cells.get(c);
      String pad = " ".repeat(widths[c] - cell.length());
      line.append(aligns.get(c) == Align.RIGHT ? pad + cell : cell + pad);
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
