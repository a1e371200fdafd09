// Prints one plain closing line, "tests: N passed, N failed, N skipped", after Jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numFailedTestSuites, numRuntimeErrorTestSuites } = results;
    const suiteErrors = numRuntimeErrorTestSuites + (numFailedTestSuites && !numFailedTests ? numFailedTestSuites : 0);
    process.stdout.write(`\ntests: ${numPassedTests} passed, ${numFailedTests + suiteErrors} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
