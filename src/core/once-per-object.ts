/**
 * `derive` made to run once per object: later calls with the same object return what the first
 * gave. For values worked out from something no one changes once made — a resolved model, a plan —
 * that several generators or checks ask for. Held weakly, so each value goes with its object.
 */
export function oncePerObject<Key extends object, Value>(derive: (key: Key) => Value): (key: Key) => Value {
  const values = new WeakMap<Key, Value>();
  return (key) => {
    if (values.has(key)) return values.get(key) as Value;
    const value = derive(key);
    values.set(key, value);
    return value;
  };
}
