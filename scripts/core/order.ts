// Sorting text the same way on every machine. `localeCompare` follows the locale of the
// process (LANG, LC_ALL): under da_DK "aa" sorts after "z", under cs_CZ "ch" after "h", so a
// runner's locale would reorder configs, profiles and pages. Code-unit order never moves.

/** Compares two strings by UTF-16 code units: a sort comparator for names, times, paths. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
