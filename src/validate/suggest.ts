import { distance } from 'fastest-levenshtein';

/** The closest candidate to a misspelt word, when it is close enough to be what was meant. */
function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowered = word.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(lowered, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= tolerance ? best : undefined;
}

/** " Did you mean "x"?" or an empty string: appended to messages. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

export function quoteList(values: Iterable<unknown>): string {
  return [...values].map((v) => JSON.stringify(v)).join(', ');
}
