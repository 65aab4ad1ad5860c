//! SIP message model: parse, headers, print. (Stub; filled by the messages work.)
