"""The learning commands' computations: check, explain, formulas. They return results and render nothing."""
