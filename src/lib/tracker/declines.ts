/**
 * Whether a browser declines to be tracked: it sends Do-Not-Track or Global Privacy
 * Control (unless the site tracks those too: `respectDnt` false), or it is automated
 * (`navigator.webdriver`, unless `allowAutomation`). The core then records nothing
 * (tracker.ts), and the loader saves nothing of a page left before the core arrived
 * (loader.ts `save`). Its own small module, so the loader takes only this rule.
 */
export function declines(nav: Navigator, respectDnt: boolean, allowAutomation: boolean): unknown {
	return (
		(respectDnt &&
			(nav.doNotTrack == '1' ||
				(nav as { globalPrivacyControl?: boolean }).globalPrivacyControl)) ||
		(nav.webdriver && !allowAutomation)
	);
}
