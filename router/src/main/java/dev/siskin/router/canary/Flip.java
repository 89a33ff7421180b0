package dev.siskin.router.canary;

/**
 * One cell of the flip matrix: how many compared Predict pairs had {@code primary} as the primary's class and
 * {@code shadow} as the shadow's. Cells with {@code primary.equals(shadow)} are agreements (the diagonal).
 * Classes past the comparison's class budget, and names too long to be a class, are {@value BoundedLabels#OTHER}.
 */
public record Flip(String primary, String shadow, long count) {
  public boolean agreement() {
    return primary.equals(shadow);
  }
}
