package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void allowedRetriesAreAShareOfCallsInFlightWithAFloor() {
    assertThat(RetryBudget.allowed(0, 20, 3)).isEqualTo(3);
    assertThat(RetryBudget.allowed(10, 20, 3)).isEqualTo(3);
    assertThat(RetryBudget.allowed(100, 20, 3)).isEqualTo(20);
    assertThat(RetryBudget.allowed(19, 20, 3)).isEqualTo(3);
    assertThat(RetryBudget.allowed(1_000, 0, 0)).isZero();
  }

  @Test
  void retriesBeyondTheBudgetAreRefusedAndCountedUntilOthersFinish() {
    RetryBudget budget = new RetryBudget();
    for (int i = 0; i < 10; i++) {
      budget.callStarted();
    }
    assertThat(budget.tryStartRetry(20, 3)).isTrue();
    assertThat(budget.tryStartRetry(20, 3)).isTrue();
    assertThat(budget.tryStartRetry(20, 3)).isTrue();
    assertThat(budget.tryStartRetry(20, 3)).isFalse();
    assertThat(budget.activeRetries()).isEqualTo(3);
    assertThat(budget.exhaustedTotal()).isEqualTo(1);

    budget.retriesFinished(1);
    assertThat(budget.tryStartRetry(20, 3)).isTrue();
    for (int i = 0; i < 10; i++) {
      budget.callFinished();
    }
    assertThat(budget.activeCalls()).isZero();
  }
}
