// The size limit of an argument rule, apart from the evaluator so the pages can name it without
// loading the CEL library.

/** Longer rules are refused when set: a rule a person cannot read at a glance is not a rule. */
export const MAX_EXPRESSION_BYTES = 2048
