// Keeps this device's copy of the project current (deviceProjects.js), for a studio opened while
// the server cannot be reached: the project with its classes, and the trained head (trained here
// or a saved version loaded back), each written when it changes. A read-only page keeps none.
import { projectCopyOf } from '../deviceProjects.js';

// keepProject(project), keepTrained(trained): the writes; follow(state) after every change.
export function createDeviceCopy({ keepProject, keepTrained }) {
  let project = null;
  let classes = null;
  let trained = null;
  return function follow(state) {
    if (!state.canWrite || !state.project) return;
    if (state.project !== project || state.classes !== classes) {
      ({ project, classes } = state);
      keepProject(projectCopyOf(state));
    }
    if (state.trained && state.trained !== trained) {
      ({ trained } = state);
      keepTrained(trained);
    }
  };
}
