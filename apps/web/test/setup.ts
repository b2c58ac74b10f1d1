// jsdom has no layout and does not implement window.scrollTo (the virtualiser calls it); make it a no-op.
window.scrollTo = (() => undefined) as typeof window.scrollTo;
