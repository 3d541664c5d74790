// Runs a callback once the browser has painted what is on screen now: a frame, then a
// task after it. For work the page can show without (the charts' code, a schedule in
// words): started in an effect, it would otherwise run before that paint, since React
// runs the effects of a synchronous render (a query's data arriving) right after it.
// Returns a function that cancels it. A hidden tab paints nothing, so it waits until shown.
export function afterPaint(callback: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(callback, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}
