// response_mode=form_post: hand the authorization response to the app at once. The page's "Continue" button does
// the same for browsers without scripts.
document.getElementById("form-post")?.submit();
